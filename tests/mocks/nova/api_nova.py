"""Nova v2.1: discovery, servers, actions, migrations, services, hypervisors."""

import re
import urllib.parse

from . import actions, microversion, schemas, views
from .errors import ApiError
from .http_types import Response
from .validation import validate

_LEGACY = "X-OpenStack-Nova-API-Version"
_PROJECT_IN_URL = re.compile(r"^/[0-9a-f]{32}(?=/|$)")
_TRUE = ("1", "true", "yes", "on", "t", "y")


def _version_doc(base):
    return {
        "id": "v2.1", "status": "CURRENT",
        "version": microversion.to_text(microversion.NOVA_MAX),
        "min_version": microversion.to_text(microversion.NOVA_MIN),
        "updated": "2013-07-23T11:33:21Z",
        "links": [{"rel": "self", "href": base + "/v2.1/"},
                  {"rel": "describedby", "type": "text/html",
                   "href": "http://docs.openstack.org/"}],
        "media-types": [{"base": "application/json",
                         "type": "application/vnd.openstack.compute+json;"
                                 "version=2.1"}],
    }


def _versions(base):
    legacy = {"id": "v2.0", "status": "SUPPORTED", "version": "",
              "min_version": "", "updated": "2011-01-21T11:33:21Z",
              "links": [{"rel": "self", "href": base + "/v2/"}]}
    return {"versions": [legacy, _version_doc(base)]}


class NovaApi:
    """Routes below the compute endpoint (the mock's root)."""

    def __init__(self, cloud):
        self.cloud = cloud
        self.routes = [
            ("GET", r"/servers", self.list_servers),
            ("GET", r"/servers/detail", self.list_servers_detail),
            ("GET", r"/servers/([^/]+)", self.show_server),
            ("POST", r"/servers/([^/]+)/action", self.server_action),
            ("GET", r"/servers/([^/]+)/migrations", self.server_migrations),
            ("GET", r"/servers/([^/]+)/migrations/([^/]+)",
             self.server_migration),
            ("DELETE", r"/servers/([^/]+)/migrations/([^/]+)",
             self.abort_migration),
            ("POST", r"/servers/([^/]+)/migrations/([^/]+)/action",
             self.migration_action),
            ("GET", r"/os-migrations", self.list_migrations),
            ("GET", r"/os-services", self.list_services),
            ("PUT", r"/os-services/([^/]+)", self.update_service),
            ("GET", r"/os-hypervisors", self.list_hypervisors),
            ("GET", r"/os-hypervisors/detail", self.list_hypervisors_detail),
            ("GET", r"/os-hypervisors/([^/]+)", self.show_hypervisor),
            ("GET", r"/os-server-groups", self.list_server_groups),
            ("GET", r"/os-server-groups/([^/]+)", self.show_server_group),
            ("GET", r"/os-availability-zone", self.list_zones),
            ("GET", r"/os-availability-zone/detail", self.list_zones_detail),
            ("GET", r"/flavors", self.list_flavors),
            ("GET", r"/flavors/detail", self.list_flavors_detail),
            ("GET", r"/flavors/([^/]+)", self.show_flavor),
            ("GET", r"/flavors/([^/]+)/os-extra_specs", self.extra_specs),
        ]

    # -- dispatch -----------------------------------------------------------
    def handle(self, req):
        path = req.path.rstrip("/")
        if req.method == "GET" and path == "":
            return Response(200, _versions(req.base))
        if req.method == "GET" and path == "/v2.1":
            return Response(200, {"version": _version_doc(req.base)})
        if not path.startswith("/v2.1/"):
            raise ApiError(404, "The resource could not be found.")
        version = microversion.requested(req.headers, "compute", _LEGACY)
        headers = microversion.response_headers("compute", version, _LEGACY)
        sub = _PROJECT_IN_URL.sub("", path[len("/v2.1"):])
        try:
            response = self._route(req, sub, version)
        except ApiError as exc:
            exc.headers.update(headers)
            raise
        response.headers.update(headers)
        return response

    def _route(self, req, sub, version):
        allowed = False
        for method, pattern, handler in self.routes:
            match = re.fullmatch(pattern, sub)
            if match:
                if method == req.method:
                    return handler(req, version, *match.groups())
                allowed = True
        if allowed:
            raise ApiError(405, "The method specified is not allowed for "
                           "this resource.")
        raise ApiError(404, "The resource could not be found.")

    def _instance(self, server_id):
        inst = self.cloud.instances.get(server_id)
        if inst is None:
            raise ApiError(404, "Instance %s could not be found." % server_id)
        return inst

    # -- servers ------------------------------------------------------------
    def _filtered_servers(self, req):
        cloud = self.cloud
        token_project = cloud.tokens.get(req.headers.get("X-Auth-Token"))
        everyone = str(req.arg("all_tenants", "")).lower() in _TRUE or (
            "all_tenants" in req.query and req.arg("all_tenants") == "")
        project = req.arg("project_id") or req.arg("tenant_id")
        out = []
        for inst in cloud.instances.values():
            if project and inst.project_id != project:
                continue
            if not everyone and not project \
                    and inst.project_id != token_project:
                continue
            if req.arg("host") and inst.host != req.arg("host"):
                continue
            if req.arg("node") and inst.host != req.arg("node"):
                continue
            if req.arg("name") and not re.search(req.arg("name"), inst.name):
                continue
            if req.arg("uuid") and inst.uuid != req.arg("uuid"):
                continue
            if req.arg("status") and views.server_status(inst).upper() \
                    != req.arg("status").upper():
                continue
            out.append(inst)
        return self._page(req, out, "servers", lambda i: i.uuid)

    def _page(self, req, items, key, ident):
        marker, limit = req.arg("marker"), req.arg("limit")
        if marker:
            ids = [ident(i) for i in items]
            if marker not in ids:
                raise ApiError(400, "marker [%s] not found" % marker)
            items = items[ids.index(marker) + 1:]
        links = []
        if limit is not None:
            try:
                limit = int(limit)
            except ValueError:
                raise ApiError(400, "limit must be an integer") from None
            if len(items) > limit:
                items = items[:limit]
                if items:
                    query = {k: v[-1] for k, v in req.query.items()}
                    query.update(limit=limit, marker=ident(items[-1]))
                    links = [{"rel": "next", "href": "%s%s?%s" % (
                        req.base, req.path, urllib.parse.urlencode(query))}]
        return items, links

    def list_servers(self, req, version):
        items, links = self._filtered_servers(req)
        body = {"servers": [views.server_brief(i, req.base) for i in items]}
        if links:
            body["servers_links"] = links
        return Response(200, body)

    def list_servers_detail(self, req, version):
        items, links = self._filtered_servers(req)
        body = {"servers": [views.server(self.cloud, i, version, req.base)
                            for i in items]}
        if links:
            body["servers_links"] = links
        return Response(200, body)

    def show_server(self, req, version, server_id):
        inst = self._instance(server_id)
        return Response(200, {"server": views.server(
            self.cloud, inst, version, req.base, show=True)})

    def server_action(self, req, version, server_id):
        body = req.body
        if not isinstance(body, dict) or len(body) != 1:
            raise ApiError(400, "Malformed request body: expected exactly one "
                           "action.")
        name = next(iter(body))
        handler = actions.SERVER_ACTIONS.get(name)
        if handler is None:
            raise ApiError(400, "There is no such action: %s" % name)
        schema = schemas.for_action(name, version)
        if schema is not None:
            validate(body, schema)
        inst = self._instance(server_id)
        status, result = handler(self.cloud, inst, body, version)
        return Response(status, result)

    # -- server migrations ------------------------------------------------
    def _need(self, version, minimum):
        if version < minimum:
            raise ApiError(404, "The resource could not be found.")

    def server_migrations(self, req, version, server_id):
        self._need(version, (2, 23))
        inst = self._instance(server_id)
        migs = [m for m in self.cloud.migrations_of(inst.uuid)
                if m.migration_type == "live-migration" and m.in_progress]
        return Response(200, {"migrations": [
            views.server_migration(self.cloud, m, version) for m in migs]})

    def server_migration(self, req, version, server_id, migration_id):
        self._need(version, (2, 23))
        inst = self._instance(server_id)
        mig = next((m for m in self.cloud.migrations_of(inst.uuid)
                    if str(m.id) == migration_id), None)
        if mig is None:
            raise ApiError(404, "In-progress live migration %s is not found "
                           "for server %s." % (migration_id, server_id))
        if mig.migration_type != "live-migration":
            raise ApiError(404, "Migration %s for server %s is not "
                           "live-migration." % (migration_id, server_id))
        if not mig.in_progress:
            raise ApiError(404, "Live migration %s for server %s is not in "
                           "progress." % (migration_id, server_id))
        return Response(200, {"migration": views.server_migration(
            self.cloud, mig, version)})

    def abort_migration(self, req, version, server_id, migration_id):
        self._need(version, (2, 24))
        inst = self._instance(server_id)
        actions.abort(self.cloud, inst, migration_id, version)
        return Response(202)

    def migration_action(self, req, version, server_id, migration_id):
        self._need(version, (2, 22))
        validate(req.body, schemas.FORCE_COMPLETE)
        inst = self._instance(server_id)
        actions.force_complete(self.cloud, inst, migration_id)
        return Response(202)

    def list_migrations(self, req, version):
        known = {"hidden", "host", "instance_uuid", "source_compute",
                 "status", "migration_type"}
        if version >= (2, 59):
            known |= {"limit", "marker", "changes-since"}
        if version >= (2, 66):
            known |= {"changes-before"}
        if version >= (2, 80):
            known |= {"user_id", "project_id"}
        unknown = sorted(set(req.query) - known)
        if unknown and version >= (2, 59):
            raise ApiError(400, "Invalid input for query parameters %s. "
                           "Additional properties are not allowed (%s "
                           "unexpected)" % (unknown[0], ", ".join(
                               "'%s'" % u for u in unknown)))
        migs = list(self.cloud.migrations)
        for field in ("instance_uuid", "source_compute", "migration_type",
                      "user_id", "project_id"):
            if req.arg(field):
                migs = [m for m in migs if getattr(m, field) == req.arg(field)]
        if req.arg("status"):
            migs = [m for m in migs if m.status == req.arg("status")]
        if req.arg("host"):
            migs = [m for m in migs if req.arg("host") in (
                m.source_compute, m.dest_compute)]
        if version >= (2, 59):
            migs.sort(key=lambda m: (-m.created_at, -m.id))
            migs, links = self._page(req, migs, "migrations", lambda m: m.uuid)
        else:
            links = []
        body = {"migrations": [views.migration(self.cloud, m, version,
                                               req.base) for m in migs]}
        if links:
            body["migrations_links"] = links
        return Response(200, body)

    # -- services -------------------------------------------------------------
    def list_services(self, req, version):
        if version >= (2, 75):
            unknown = sorted(set(req.query) - {"host", "binary"})
            if unknown:
                raise ApiError(400, "Invalid input for query parameters %s. "
                               "Additional properties are not allowed"
                               % unknown[0])
        services = [s for s in self.cloud.services
                    if (not req.arg("host") or s.host == req.arg("host"))
                    and (not req.arg("binary")
                         or s.binary == req.arg("binary"))]
        return Response(200, {"services": [
            views.service(self.cloud, s, version) for s in services]})

    def update_service(self, req, version, ident):
        body = req.body if req.body is not None else {}
        if version >= (2, 53):
            validate(body, schemas.SERVICE_UPDATE_253)
            service = actions.update_service(self.cloud, ident, body)
            return Response(200, {"service": views.service(
                self.cloud, service, version)})
        if ident not in ("enable", "disable", "disable-log-reason",
                         "force-down"):
            raise ApiError(404, "Unknown action")
        validate(body, schemas.SERVICE_ACTION_211 if version >= (2, 11)
                 else schemas.SERVICE_ACTION_20)
        return Response(200, actions.legacy_service_action(
            self.cloud, ident, body, version))

    # -- hypervisors -----------------------------------------------------------
    def _hypervisors(self, req, version, detail):
        hosts = list(self.cloud.hosts.values())
        pattern = req.arg("hypervisor_hostname_pattern")
        if pattern and version >= (2, 53):
            hosts = [h for h in hosts if pattern in h.name]
            if not hosts:
                raise ApiError(404, "No hypervisor matching '%s' could be "
                               "found." % pattern)
        with_servers = str(req.arg("with_servers", "")).lower() in _TRUE
        return Response(200, {"hypervisors": [
            views.hypervisor(self.cloud, h, version, detail, with_servers)
            for h in hosts]})

    def list_hypervisors(self, req, version):
        return self._hypervisors(req, version, False)

    def list_hypervisors_detail(self, req, version):
        return self._hypervisors(req, version, True)

    def show_hypervisor(self, req, version, ident):
        for host in self.cloud.hosts.values():
            if ident in (host.uuid, str(host.node_id)):
                with_servers = str(req.arg("with_servers", "")).lower() \
                    in _TRUE
                return Response(200, {"hypervisor": views.hypervisor(
                    self.cloud, host, version, True, with_servers)})
        raise ApiError(404, "Hypervisor with ID %s could not be found."
                       % ident)

    # -- server groups --------------------------------------------------------
    @staticmethod
    def _group_query(req, version):
        """index_query / index_query_v275: limit and offset >= 0."""
        if version >= (2, 75):
            unknown = sorted(set(req.query)
                             - {"all_projects", "limit", "offset"})
            if unknown:
                raise ApiError(400, "Additional properties are not allowed "
                               "(%s %s unexpected)" % (
                                   ", ".join("'%s'" % u for u in unknown),
                                   "was" if len(unknown) == 1 else "were"))
        params = {}
        for name in ("limit", "offset"):
            for value in req.query.get(name, []):
                if value == "":
                    raise ApiError(400, "Invalid input for query parameters "
                                   "%s. Value: . '' is too short" % name)
                if not re.fullmatch(r"[0-9]+", value):
                    raise ApiError(400, "Invalid input for query parameters "
                                   "%s. Value: %s. '%s' does not match "
                                   "'^[0-9]*$'" % (name, value, value))
            if name in req.query:
                params[name] = int(req.arg(name))
        return params

    def list_server_groups(self, req, version):
        params = self._group_query(req, version)
        cloud = self.cloud
        # 'all_projects' present (any value) and an admin caller: every
        # group; otherwise the token's project only
        if "all_projects" in req.query:
            groups = list(cloud.server_groups)
        else:
            project = cloud.tokens.get(req.headers.get("X-Auth-Token"))
            groups = [g for g in cloud.server_groups
                      if g.project_id == project]
        # common.limited: offset, then limit (0 or none = max_limit 1000)
        offset = params.get("offset", 0)
        limit = min(1000, params.get("limit") or 1000)
        groups = groups[offset:offset + limit]
        return Response(200, {"server_groups": [
            views.server_group(g, version, [m for m in g.members
                                            if m in cloud.instances])
            for g in groups]})

    def show_server_group(self, req, version, ident):
        for group in self.cloud.server_groups:
            if group.uuid == ident:
                return Response(200, {"server_group": views.server_group(
                    group, version, [m for m in group.members
                                     if m in self.cloud.instances])})
        raise ApiError(404, "Instance group %s could not be found." % ident)

    # -- availability zones ---------------------------------------------------
    def list_zones(self, req, version):
        return Response(200, views.availability_zones(self.cloud, False))

    def list_zones_detail(self, req, version):
        return Response(200, views.availability_zones(self.cloud, True))

    # -- flavors ---------------------------------------------------------------
    def _flavor(self, ident):
        for flv in self.cloud.flavors.values():
            if flv.id == ident:
                return flv
        raise ApiError(404, "Flavor %s could not be found." % ident)

    def list_flavors(self, req, version):
        return Response(200, {"flavors": [
            views.flavor(f, version, req.base, detail=False)
            for f in self.cloud.flavors.values()]})

    def list_flavors_detail(self, req, version):
        return Response(200, {"flavors": [
            views.flavor(f, version, req.base)
            for f in self.cloud.flavors.values()]})

    def show_flavor(self, req, version, ident):
        return Response(200, {"flavor": views.flavor(
            self._flavor(ident), version, req.base)})

    def extra_specs(self, req, version, ident):
        return Response(200, {"extra_specs": dict(
            self._flavor(ident).extra_specs)})
