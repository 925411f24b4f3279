"""Placement: discovery, resource providers, inventories, usages, allocations."""

import re

from . import microversion
from .errors import ApiError
from .http_types import Response

_MIN, _MAX = microversion.PLACEMENT_MIN, microversion.PLACEMENT_MAX


def _root(base):
    return {"versions": [{
        "id": "v1.0", "status": "CURRENT",
        "min_version": microversion.to_text(_MIN),
        "max_version": microversion.to_text(_MAX),
        "links": [{"rel": "self", "href": base + "/placement/"}]}]}


class PlacementApi:
    """Read-only placement: the mock's allocations are driven by nova."""

    def __init__(self, cloud):
        self.cloud = cloud
        self.routes = [
            (r"/resource_providers", self.providers),
            (r"/resource_providers/([^/]+)", self.provider),
            (r"/resource_providers/([^/]+)/inventories", self.inventories),
            (r"/resource_providers/([^/]+)/inventories/([^/]+)",
             self.inventory),
            (r"/resource_providers/([^/]+)/usages", self.provider_usages),
            (r"/resource_providers/([^/]+)/allocations",
             self.provider_allocations),
            (r"/resource_providers/([^/]+)/traits", self.traits),
            (r"/resource_providers/([^/]+)/aggregates", self.aggregates),
            (r"/allocations/([^/]+)", self.allocations),
            (r"/usages", self.usages),
        ]

    def handle(self, req):
        path = req.path.rstrip("/")
        if req.method == "GET" and path == "":
            return Response(200, _root(req.base))
        version = microversion.requested(req.headers, "placement",
                                         minimum=_MIN, maximum=_MAX)
        headers = microversion.response_headers("placement", version)
        try:
            for pattern, handler in self.routes:
                match = re.fullmatch(pattern, path)
                if match:
                    if req.method != "GET":
                        raise ApiError(405, "The method specified is not "
                                       "allowed for this resource (the mock "
                                       "placement is read-only).")
                    response = handler(req, version, *match.groups())
                    break
            else:
                raise ApiError(404, "The resource could not be found.")
        except ApiError as exc:
            exc.headers.update(headers)
            raise
        response.headers.update(headers)
        return response

    def _host(self, rp_uuid):
        for host in self.cloud.hosts.values():
            if host.uuid == rp_uuid:
                return host
        raise ApiError(404, "No resource provider with uuid %s found"
                       % rp_uuid)

    def _provider(self, host, version):
        link = "/placement/resource_providers/" + host.uuid
        out = {"uuid": host.uuid, "name": host.name,
               "generation": host.rp_generation,
               "links": [{"rel": "self", "href": link},
                         {"rel": "inventories", "href": link + "/inventories"},
                         {"rel": "usages", "href": link + "/usages"}]}
        if version >= (1, 6):
            out["links"].append({"rel": "traits", "href": link + "/traits"})
        if version >= (1, 11):
            out["links"].append({"rel": "allocations",
                                 "href": link + "/allocations"})
        if version >= (1, 14):
            out["parent_provider_uuid"] = None
            out["root_provider_uuid"] = host.uuid
        return out

    def providers(self, req, version):
        hosts = list(self.cloud.hosts.values())
        if req.arg("name"):
            hosts = [h for h in hosts if h.name == req.arg("name")]
        if req.arg("uuid"):
            hosts = [h for h in hosts if h.uuid == req.arg("uuid")]
        return Response(200, {"resource_providers": [
            self._provider(h, version) for h in hosts]})

    def provider(self, req, version, rp_uuid):
        return Response(200, self._provider(self._host(rp_uuid), version))

    def inventories(self, req, version, rp_uuid):
        host = self._host(rp_uuid)
        return Response(200, {"inventories": host.inventories(),
                              "resource_provider_generation":
                                  host.rp_generation})

    def inventory(self, req, version, rp_uuid, resource_class):
        host = self._host(rp_uuid)
        inventories = host.inventories()
        if resource_class not in inventories:
            raise ApiError(404, "No inventory of class %s for %s"
                           % (resource_class, rp_uuid))
        out = dict(inventories[resource_class])
        out["resource_provider_generation"] = host.rp_generation
        return Response(200, out)

    def provider_usages(self, req, version, rp_uuid):
        host = self._host(rp_uuid)
        return Response(200, {"usages": self.cloud.placement.usage(host.uuid),
                              "resource_provider_generation":
                                  host.rp_generation})

    def provider_allocations(self, req, version, rp_uuid):
        host = self._host(rp_uuid)
        allocations = {}
        for consumer, record in self.cloud.placement.consumers.items():
            if host.uuid in record["allocations"]:
                allocations[consumer] = {
                    "resources": dict(record["allocations"][host.uuid])}
        return Response(200, {"allocations": allocations,
                              "resource_provider_generation":
                                  host.rp_generation})

    def traits(self, req, version, rp_uuid):
        host = self._host(rp_uuid)
        traits = ["COMPUTE_NET_ATTACH_INTERFACE", "HW_CPU_X86_AVX2"]
        if self.cloud.compute_service(host.name).disabled:
            traits.append("COMPUTE_STATUS_DISABLED")
        return Response(200, {"traits": sorted(traits),
                              "resource_provider_generation":
                                  host.rp_generation})

    def aggregates(self, req, version, rp_uuid):
        host = self._host(rp_uuid)
        out = {"aggregates": []}
        if version >= (1, 19):
            out["resource_provider_generation"] = host.rp_generation
        return Response(200, out)

    def allocations(self, req, version, consumer):
        record = self.cloud.placement.consumers.get(consumer)
        allocations = {}
        if record:
            for rp_uuid, resources in record["allocations"].items():
                host = self._host(rp_uuid)
                allocations[rp_uuid] = {"generation": host.rp_generation,
                                        "resources": dict(resources)}
        out = {"allocations": allocations}
        if version >= (1, 12) and record:
            out["project_id"] = record["project_id"]
            out["user_id"] = record["user_id"]
        if version >= (1, 28) and record:
            out["consumer_generation"] = record["generation"]
        return Response(200, out)

    def usages(self, req, version):
        project = req.arg("project_id")
        if not project:
            raise ApiError(400, "Invalid query string parameters: "
                           "'project_id' is a required property")
        total = {}
        for record in self.cloud.placement.consumers.values():
            if record["project_id"] != project:
                continue
            if req.arg("user_id") and record["user_id"] != req.arg("user_id"):
                continue
            for resources in record["allocations"].values():
                for rc, amount in resources.items():
                    total[rc] = total.get(rc, 0) + amount
        return Response(200, {"usages": total})
