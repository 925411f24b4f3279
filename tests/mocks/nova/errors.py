"""API errors and how each mocked service spells them on the wire."""

import uuid

_NOVA_FAULT_NAMES = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    406: "notAcceptable",
    409: "conflictingRequest",
    413: "overLimit",
    500: "computeFault",
    501: "notImplemented",
    503: "serviceUnavailable",
}

_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
}


class ApiError(Exception):
    """An HTTP error a handler raises; the app renders it for the service."""

    def __init__(self, status, message, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


def title_for(status):
    """Return the reason phrase used in error bodies."""
    return _TITLES.get(status, "Error")


def error_body(service, status, message):
    """Return the JSON error document `service` sends for `status`."""
    if service == "placement":
        return {
            "errors": [
                {
                    "status": status,
                    "title": title_for(status),
                    "detail": message,
                    "request_id": "req-%s" % uuid.uuid4(),
                    "code": "placement.undefined_code",
                }
            ]
        }
    if service == "neutron":
        return {"NeutronError": {"type": title_for(status).replace(" ", ""),
                                 "message": message, "detail": ""}}
    if service == "keystone" or status == 401:
        return {"error": {"code": status, "title": title_for(status),
                          "message": message}}
    name = _NOVA_FAULT_NAMES.get(status, "computeFault")
    return {name: {"code": status, "message": message}}
