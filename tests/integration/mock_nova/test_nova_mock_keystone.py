"""Keystone v3 discovery and password auth, through keystoneauth/openstacksdk."""

import json
import urllib.request

import openstack
import pytest
from keystoneauth1 import exceptions as ks_exc


def _get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as resp:
            return resp.status, dict(resp.headers), json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read())


def test_identity_discovery_lists_v3(mock):
    status, dummy_headers, body = _get(mock.url + "/identity")
    assert status == 300
    (v3,) = body["versions"]["values"]
    assert v3["id"].startswith("v3.")
    assert v3["links"][0]["href"] == mock.url + "/identity/v3/"
    status, dummy_headers, body = _get(mock.url + "/identity/v3/")
    assert status == 200 and body["version"]["status"] == "stable"


def test_password_auth_returns_token_and_catalog(mock):
    conn = mock.conn
    token = conn.session.get_token()
    assert token
    access = conn.session.auth.get_access(conn.session)
    catalog = {entry["type"]: entry for entry in access.service_catalog.catalog}
    assert {"compute", "placement", "network", "identity"} <= set(catalog)
    urls = {e["url"] for entry in catalog.values() for e in entry["endpoints"]}
    assert all(url.startswith(mock.url) for url in urls)
    assert conn.compute.get_endpoint() == mock.url + "/v2.1"


def test_wrong_password_is_unauthorized(mock):
    args = mock.control.auth()
    args["password"] = "not-the-password"
    conn = openstack.connect(**args)
    with pytest.raises(ks_exc.Unauthorized):
        list(conn.compute.services())


def test_unknown_user_and_project_are_unauthorized(mock):
    for key, value in (("username", "nobody"), ("project_name", "nope")):
        args = mock.control.auth()
        args[key] = value
        with pytest.raises(ks_exc.Unauthorized):
            list(openstack.connect(**args).compute.servers())


def test_nova_requires_a_token(mock):
    status, headers, body = _get(mock.url + "/v2.1/servers")
    assert status == 401
    assert "Keystone uri" in headers["WWW-Authenticate"]
    token = mock.conn.session.get_token()
    status, dummy_headers, body = _get(mock.url + "/v2.1/servers",
                                       {"X-Auth-Token": token})
    assert status == 200 and "servers" in body
