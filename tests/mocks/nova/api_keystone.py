"""Keystone v3: version discovery and password authentication."""

import datetime
import uuid

from .errors import ApiError
from .http_types import Response

_V3 = {"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
       "media-types": [{"base": "application/json",
                        "type": "application/vnd.openstack.identity-v3+json"}]}
_UNAUTHORIZED = "The request you have made requires authentication."


def _version(base):
    doc = dict(_V3)
    doc["links"] = [{"rel": "self", "href": base + "/identity/v3/"}]
    return doc


def catalog(cloud, base):
    """The service catalog: every endpoint points back at the mock."""
    def entry(kind, name, url):
        return {"type": kind, "name": name,
                "id": uuid.uuid5(uuid.NAMESPACE_URL, kind).hex,
                "endpoints": [{"id": uuid.uuid5(uuid.NAMESPACE_URL,
                                                kind + iface).hex,
                               "interface": iface, "region": cloud.region,
                               "region_id": cloud.region, "url": url}
                              for iface in ("public", "internal", "admin")]}
    return [entry("identity", "keystone", base + "/identity"),
            entry("compute", "nova", base + "/v2.1"),
            entry("placement", "placement", base + "/placement"),
            entry("network", "neutron", base + "/networking")]


def _domain_matches(cloud, ref):
    if not ref:
        return False
    wanted = cloud.credentials["domain"]
    return ref.get("name") == wanted or ref.get("id") == cloud.domain_id


def _scope_project(cloud, scope):
    project = (scope or {}).get("project")
    if not project:
        return None
    if "id" in project:
        for name, pid in cloud.projects.items():
            if pid == project["id"]:
                return name
        raise ApiError(401, _UNAUTHORIZED)
    if project.get("name") in cloud.projects and _domain_matches(
            cloud, project.get("domain")):
        return project["name"]
    raise ApiError(401, _UNAUTHORIZED)


def _authenticate(cloud, body):
    try:
        identity = body["auth"]["identity"]
        user = identity["password"]["user"]
        methods = identity["methods"]
    except (KeyError, TypeError):
        raise ApiError(400, "Expecting to find identity/password/user in "
                       "auth.") from None
    if "password" not in methods:
        raise ApiError(401, _UNAUTHORIZED)
    creds = cloud.credentials
    by_name = (user.get("name") == creds["username"]
               and _domain_matches(cloud, user.get("domain")))
    if not (by_name or user.get("id") == cloud.user_id):
        raise ApiError(401, _UNAUTHORIZED)
    if user.get("password") != creds["password"]:
        raise ApiError(401, _UNAUTHORIZED)
    return _scope_project(cloud, body["auth"].get("scope"))


def _token_body(cloud, base, project_name):
    issued = datetime.datetime.now(datetime.timezone.utc)
    expires = issued + datetime.timedelta(hours=12)
    fmt = "%Y-%m-%dT%H:%M:%S.000000Z"
    domain = {"id": cloud.domain_id, "name": cloud.credentials["domain"]}
    token = {
        "methods": ["password"],
        "user": {"id": cloud.user_id, "name": cloud.credentials["username"],
                 "domain": domain, "password_expires_at": None},
        "issued_at": issued.strftime(fmt),
        "expires_at": expires.strftime(fmt),
        "audit_ids": [uuid.uuid4().hex[:22]],
    }
    if project_name:
        token.update({
            "project": {"id": cloud.projects[project_name],
                        "name": project_name, "domain": domain},
            "roles": [{"id": uuid.uuid5(uuid.NAMESPACE_URL, r).hex, "name": r}
                      for r in ("admin", "member", "reader")],
            "is_domain": False,
            "catalog": catalog(cloud, base),
        })
    return {"token": token}


def handle(cloud, req):
    """Serve one request below /identity."""
    path = req.path.rstrip("/")
    if req.method == "GET" and path == "":
        return Response(300, {"versions": {"values": [_version(req.base)]}})
    if req.method == "GET" and path == "/v3":
        return Response(200, {"version": _version(req.base)})
    if path == "/v3/auth/tokens" and req.method == "POST":
        project_name = _authenticate(cloud, req.body or {})
        token = uuid.uuid4().hex
        cloud.tokens[token] = cloud.projects.get(project_name)
        return Response(201, _token_body(cloud, req.base, project_name),
                        {"X-Subject-Token": token})
    if path == "/v3/auth/tokens" and req.method in ("GET", "HEAD"):
        if req.headers.get("X-Auth-Token") not in cloud.tokens:
            raise ApiError(401, _UNAUTHORIZED)
        subject = req.headers.get("X-Subject-Token")
        if subject not in cloud.tokens:
            raise ApiError(404, "Could not find token: %s." % subject)
        name = next((n for n, pid in cloud.projects.items()
                     if pid == cloud.tokens[subject]), None)
        return Response(200, _token_body(cloud, req.base, name),
                        {"X-Subject-Token": subject})
    raise ApiError(404, "Could not find the requested resource.")
