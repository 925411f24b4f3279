"""A sliver of neutron: the ports nova's instances use, with resource_request."""

from . import views
from .errors import ApiError
from .http_types import Response

_PORT_FILTERS = ("id", "device_id", "network_id", "device_owner",
                 "binding:host_id", "mac_address")


class NeutronApi:
    """GET-only ports and extensions; enough to tell which ports need QoS."""

    def __init__(self, cloud):
        self.cloud = cloud

    def handle(self, req):
        path = req.path.rstrip("/")
        if req.method == "GET" and path == "":
            return Response(200, {"versions": [{
                "id": "v2.0", "status": "CURRENT",
                "links": [{"rel": "self",
                           "href": req.base + "/networking/v2.0/"}]}]})
        if req.method != "GET":
            raise ApiError(405, "The mock neutron is read-only.")
        if path == "/v2.0/extensions":
            return Response(200, {"extensions": [
                {"alias": alias, "name": alias, "description": "",
                 "updated": "2019-01-01T00:00:00-00:00", "links": []}
                for alias in ("binding", "port-resource-request", "qos",
                              "qos-bw-minimum-ingress")]})
        if path == "/v2.0/ports":
            ports = [views.port(self.cloud, i)
                     for i in self.cloud.instances.values()]
            for field in _PORT_FILTERS:
                wanted = req.query.get(field)
                if wanted:
                    ports = [p for p in ports if p[field] in wanted]
            return Response(200, {"ports": ports})
        if path.startswith("/v2.0/ports/"):
            port_id = path.rsplit("/", 1)[-1]
            for inst in self.cloud.instances.values():
                if inst.port.id == port_id:
                    return Response(200, {"port": views.port(self.cloud,
                                                             inst)})
            raise ApiError(404, "Port %s could not be found." % port_id)
        raise ApiError(404, "The resource could not be found.")
