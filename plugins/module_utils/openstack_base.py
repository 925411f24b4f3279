# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The OpenStack base module: connection options, connect, SDK exceptions -> one fail_json."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmfleet.maintenance.plugins.module_utils.module_base import VmfleetModule

try:
    import openstack
    from keystoneauth1 import exceptions as ks_exceptions
    from openstack import exceptions as sdk_exceptions
    HAS_OPENSTACKSDK = True
    SDK_ERRORS = (sdk_exceptions.SDKException, ks_exceptions.ClientException)
except ImportError:
    HAS_OPENSTACKSDK = False
    SDK_ERRORS = ()


SECRET_WORDS = ("password", "secret", "token", "key")


def openstack_argument_spec():
    """Connection options documented in the vmfleet.maintenance.openstack doc fragment."""
    return dict(
        cloud=dict(type="raw"),
        auth=dict(type="dict", no_log=False),
        auth_type=dict(type="str"),
        region_name=dict(type="str"),
        interface=dict(type="str", default="public", choices=["admin", "internal", "public"],
                       aliases=["endpoint_type"]),
        validate_certs=dict(type="bool", default=True, aliases=["verify"]),
        ca_cert=dict(type="path", aliases=["cacert"]),
        client_cert=dict(type="path", aliases=["cert"]),
        client_key=dict(type="path", aliases=["key"], no_log=False),
        api_timeout=dict(type="int"),
        wait=dict(type="bool", default=True),
        timeout=dict(type="int", default=3600),
    )


class OpenStackModule(VmfleetModule):
    """Base of the nova modules: merges the connection options and connects once."""

    connection_spec = staticmethod(openstack_argument_spec)
    required_library = (HAS_OPENSTACKSDK, "openstacksdk")

    def __init__(self):
        super(OpenStackModule, self).__init__()
        for key, value in (self.params["auth"] or {}).items():
            if value and any(word in key for word in SECRET_WORDS):
                self.ansible.no_log_values.add(str(value))
        self.auth_url = None
        self._conn = None

    @property
    def conn(self):
        if self._conn is None:
            self._conn = self._connect()
        return self._conn

    def _connect(self):
        params = self.params
        cloud = params["cloud"]
        settings = dict(app_name="vmfleet.maintenance", interface=params["interface"],
                        verify=params["validate_certs"])
        if params["ca_cert"]:
            settings["cacert"] = params["ca_cert"]
        if params["client_cert"]:
            settings["cert"] = params["client_cert"]
        if params["client_key"]:
            settings["key"] = params["client_key"]
        for name in ("auth", "auth_type", "region_name", "api_timeout"):
            if params[name] is not None:
                settings[name] = params[name]
        if isinstance(cloud, dict):
            settings.update(cloud)
            cloud = None
        self.auth_url = (settings.get("auth") or {}).get("auth_url")
        conn = openstack.connect(cloud=cloud, **settings)
        self.auth_url = self.auth_url or conn.config.get_auth_args().get("auth_url")
        conn.authorize()
        return conn

    def error_types(self):
        return super(OpenStackModule, self).error_types() + SDK_ERRORS

    def describe_error(self, error):
        where = " at %s" % self.auth_url if self.auth_url else ""
        chain = _causes(error)
        statuses = [getattr(e, "status_code", None) or getattr(e, "http_status", None) for e in chain]
        if any(isinstance(e, ks_exceptions.Unauthorized) for e in chain) or 401 in statuses:
            return ("authentication failed%s: check the user name, password, project and domain in "
                    "'auth' or clouds.yaml (%s)" % (where, error))
        if any(isinstance(e, ks_exceptions.ConnectFailure) for e in chain):
            return "cannot reach the OpenStack API%s: %s" % (where, error)
        return "OpenStack API error%s: %s" % (where, error)


def _causes(error):
    """The exception and the ones it was raised from (the SDK wraps keystoneauth's errors)."""
    chain = []
    while error is not None and error not in chain:
        chain.append(error)
        error = error.__cause__ or error.__context__
    return chain
