"""Request dispatch: service prefixes, tokens, injected faults, request log."""

import json
import re
import time
import urllib.parse
import uuid

from . import api_keystone, engine
from .api_control import ControlApi
from .api_neutron import NeutronApi
from .api_nova import NovaApi
from .api_placement import PlacementApi
from .cloud import Cloud
from .errors import ApiError, error_body
from .http_types import Request, Response

_PREFIXES = (("/identity", "keystone"), ("/placement", "placement"),
             ("/networking", "neutron"))
_LOG_LIMIT = 5000


class DropConnection(Exception):
    """Close the socket without answering ("mock down", reset mode)."""


class App:
    """Turns raw HTTP requests into responses against one Cloud."""

    def __init__(self, scenario, base_url=""):
        self.scenario = scenario
        self.base_url = base_url
        self.cloud = Cloud(scenario)
        self.stop_callback = None
        self._build_apis()

    def _build_apis(self):
        self.apis = {"nova": NovaApi(self.cloud),
                     "placement": PlacementApi(self.cloud),
                     "neutron": NeutronApi(self.cloud)}
        self.control = ControlApi(self)

    def reset(self, scenario=None):
        """Start over from the scenario (or a new one); tokens stay valid."""
        from .scenario import normalize
        with self.cloud.lock:
            tokens = self.cloud.tokens
            if scenario is not None:
                self.scenario = normalize(scenario)
            self.cloud = Cloud(self.scenario)
            self.cloud.tokens.update(tokens)
            self._build_apis()

    def request_stop(self):
        if self.stop_callback:
            self.stop_callback()

    # -- entry point ----------------------------------------------------------
    def handle(self, method, raw_path, headers, raw_body):
        """Return (status, headers, body bytes); may raise DropConnection."""
        parsed = urllib.parse.urlsplit(raw_path)
        path = parsed.path or "/"
        query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        service, sub = "nova", path
        if path == "/_mock" or path.startswith("/_mock/"):
            service, sub = "control", path[len("/_mock"):]
        else:
            for prefix, name in _PREFIXES:
                if path == prefix or path.startswith(prefix + "/"):
                    service, sub = name, path[len(prefix):]
        try:
            if service != "control":
                self._apply_outage_and_faults(method, path, service)
        except ApiError as exc:
            response = self._error(service, exc)
        else:
            response = self._dispatch(service, method, sub, query, headers,
                                      raw_body)
        if service != "control":
            with self.cloud.lock:
                self.cloud.request_log.append({
                    "method": method, "path": path, "query": parsed.query,
                    "service": service, "status": response.status,
                    "action": _action_name(path, raw_body)})
                del self.cloud.request_log[:-_LOG_LIMIT]
        return self._encode(service, response)

    def _apply_outage_and_faults(self, method, path, service):
        cloud = self.cloud
        delay = 0.0
        with cloud.lock:
            if cloud.api_down == "reset":
                raise DropConnection()
            if cloud.api_down == "503":
                raise ApiError(503, "The server is currently unavailable. "
                               "Please try again at a later time.")
            for fault in cloud.faults:
                if fault.get("kind") not in ("http_error", "latency"):
                    continue
                if fault.get("count", 1) <= 0:
                    continue
                if fault.get("method") and fault["method"].upper() != method:
                    continue
                if fault.get("service") and fault["service"] != service:
                    continue
                if not re.search(fault.get("path", ""), path):
                    continue
                fault["count"] = fault.get("count", 1) - 1
                if fault["kind"] == "latency":
                    delay += float(fault.get("seconds", 1.0))
                else:
                    raise ApiError(int(fault.get("status", 500)),
                                   fault.get("message", "Injected fault"))
        if delay:
            time.sleep(delay)

    def _dispatch(self, service, method, sub, query, headers, raw_body):
        base = self.base_url
        try:
            body = json.loads(raw_body) if raw_body else None
        except ValueError:
            return self._error(service, ApiError(400, "Malformed request "
                                                 "body"))
        req = Request(method=method, path=sub, query=query, headers=headers,
                      body=body, base=base)
        cloud = self.cloud
        try:
            with cloud.lock:
                engine.advance(cloud)
                if service == "control":
                    return self.control.handle(req)
                if service == "keystone":
                    return api_keystone.handle(cloud, req)
                if not self._is_discovery(sub) and \
                        headers.get("X-Auth-Token") not in cloud.tokens:
                    raise ApiError(401, "The request you have made requires "
                                   "authentication.", {
                                       "WWW-Authenticate": "Keystone uri='%s/"
                                       "identity'" % base})
                return self.apis[service].handle(req)
        except ApiError as exc:
            return self._error(service, exc)

    @staticmethod
    def _is_discovery(sub):
        return sub.rstrip("/") in ("", "/v2.1", "/v2")

    @staticmethod
    def _error(service, exc):
        return Response(exc.status, error_body(service, exc.status,
                                               exc.message), exc.headers)

    @staticmethod
    def _encode(service, response):
        headers = {"x-openstack-request-id": "req-%s" % uuid.uuid4()}
        if service == "nova":
            headers["x-compute-request-id"] = headers["x-openstack-request-id"]
        headers.update(response.headers)
        if response.body is None:
            data = b""
        else:
            data = json.dumps(response.body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        return response.status, headers, data


def _action_name(path, raw_body):
    """The server action a POST .../action carried (its body's one key), for tests to count."""
    if not path.endswith("/action") or not raw_body:
        return None
    try:
        body = json.loads(raw_body)
    except ValueError:
        return None
    return next(iter(body), None) if isinstance(body, dict) else None
