# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The OpenStack base module: connection options, connect, SDK exceptions -> one fail_json.

``is_transient`` and ``describe_sdk_error`` are also what the nova move adapter uses, so a drain rides
through the same outages as the modules and names the failing request the same way.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmfleet.maintenance.plugins.module_utils.module_base import VmfleetModule
from ansible_collections.vmfleet.maintenance.plugins.module_utils.transient import (
    DEFAULT_WINDOW_SECONDS, TRANSIENT_HTTP_STATUS, connection_trouble, error_chain, failing_request, http_status,
    is_tls_failure, response_reason, status_text)

try:
    import openstack
    from keystoneauth1 import exceptions as ks_exceptions
    from openstack import exceptions as sdk_exceptions
    HAS_OPENSTACKSDK = True
    SDK_ERRORS = (sdk_exceptions.SDKException, ks_exceptions.ClientException)
    CONNECTION_FAILURES = (ks_exceptions.RetriableConnectionFailure, ks_exceptions.ConnectionError)
except ImportError:
    HAS_OPENSTACKSDK = False
    SDK_ERRORS = ()
    CONNECTION_FAILURES = ()

try:
    from requests import exceptions as requests_exceptions
    REQUESTS_FAILURES = (requests_exceptions.ConnectionError, requests_exceptions.Timeout)
except ImportError:
    REQUESTS_FAILURES = ()


SECRET_WORDS = ("password", "secret", "token", "key")


class NovaError(Exception):
    """What the nova modules cannot go on with, in the operator's words (an unknown compute host, say)."""


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
        retry_seconds=dict(type="int", default=DEFAULT_WINDOW_SECONDS),
        sdk_log_path=dict(type="str"),
        sdk_log_level=dict(type="str", default="INFO", choices=["INFO", "DEBUG"]),
    )


def supports_microversion(proxy, version):
    """True when the cloud and openstacksdk agree on at least this compute microversion ("2.65")."""
    from openstack import utils as sdk_utils  # pylint: disable=import-outside-toplevel
    return sdk_utils.supports_microversion(proxy, version)


def is_transient(error):
    """True for an error worth waiting out: HTTP 500, 502, 503 or 504 anywhere in the chain (openstacksdk
    reports a lookup that got a 503 as 'No Server found'), or a connection that failed, was reset or timed
    out. Never a refusal (400, 401, 403, 404, 409) nor a TLS failure."""
    chain = error_chain(error)
    if any(http_status(e) in TRANSIENT_HTTP_STATUS for e in chain):
        return True
    if is_tls_failure(chain):
        return False
    return any(isinstance(e, CONNECTION_FAILURES + REQUESTS_FAILURES + (ConnectionError, TimeoutError))
               for e in chain)


def describe_sdk_error(error, auth_url=None):
    """What failed and where: the failing request with the status it got, or what happened to the connection."""
    where = " at %s" % auth_url if auth_url else ""
    chain = error_chain(error)
    statuses = [http_status(e) for e in chain]
    if HAS_OPENSTACKSDK and any(isinstance(e, ks_exceptions.Unauthorized) for e in chain) or 401 in statuses:
        return ("authentication failed%s: check the user name, password, project and domain in "
                "'auth' or clouds.yaml (%s)" % (where, error))
    request = failing_request(chain)
    status = next((s for s in statuses if s in TRANSIENT_HTTP_STATUS), None) or next(
        (s for s in statuses if s and s >= 400), None)
    if status is not None and request:
        details = next((e.details for e in chain if isinstance(getattr(e, "details", None), str) and e.details),
                       None)
        answer = "%s answered %s" % (request, status_text(status, response_reason(chain)))
        if status >= 500:
            return "OpenStack API error: %s%s" % (answer, " (%s)" % details if details else "")
        message = next((e.message for e in chain if isinstance(getattr(e, "message", None), str) and e.message), None)
        return "OpenStack API error: %s: %s" % (answer, details or message or error)
    trouble = connection_trouble(chain)
    if trouble or any(isinstance(e, CONNECTION_FAILURES) for e in chain):
        return "cannot reach the OpenStack API%s: %s" % (
            ": %s" % request if request else where, trouble or error)
    return "OpenStack API error%s: %s" % (where, error)


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

    def reconnect(self):
        self._conn = None

    def is_transient(self, error):
        return is_transient(error)

    def _connect(self):
        params = self.params
        if params["sdk_log_path"]:  # openstacksdk's own log, as openstack.cloud writes it
            debug = params["sdk_log_level"] == "DEBUG"
            openstack.enable_logging(debug=debug, http_debug=debug, path=params["sdk_log_path"])
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
        conn.vmfleet_retry_seconds = params["retry_seconds"]  # for the move adapters built on this connection
        return conn

    def error_types(self):
        return super(OpenStackModule, self).error_types() + SDK_ERRORS + (NovaError,)

    def describe_error(self, error):
        if isinstance(error, NovaError):
            return str(error)
        return describe_sdk_error(error, self.auth_url)
