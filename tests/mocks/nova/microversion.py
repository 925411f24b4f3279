"""Microversion negotiation: read the request headers, echo the result."""

import re

from .errors import ApiError

NOVA_MIN = (2, 1)
NOVA_MAX = (2, 96)
PLACEMENT_MIN = (1, 0)
PLACEMENT_MAX = (1, 39)

_VERSION_RE = re.compile(r"^([1-9]\d*)\.([1-9]\d*|0)$")


def to_text(version):
    """(2, 53) -> '2.53'."""
    return "%d.%d" % version


def requested(headers, service, legacy_header=None, minimum=NOVA_MIN,
              maximum=NOVA_MAX):
    """Return the (major, minor) the request asks for, or raise 400/406.

    With no header the service's minimum applies, as in nova and placement.
    """
    value = None
    for part in (headers.get("OpenStack-API-Version") or "").split(","):
        name, separator, ver = part.strip().partition(" ")
        if name.lower() == service:
            value = ver.strip()
    if value is None and legacy_header:
        value = headers.get(legacy_header)
    if value is None or value == "":
        return minimum
    if value.lower() == "latest":
        return maximum
    match = _VERSION_RE.match(value.strip())
    if not match:
        raise ApiError(400, "API Version String %s is of invalid format. Must "
                       "be of format MajorNum.MinorNum." % value)
    version = (int(match.group(1)), int(match.group(2)))
    if not minimum <= version <= maximum:
        raise ApiError(406, "Version %s is not supported by the API. Minimum "
                       "is %s and maximum is %s." % (
                           value, to_text(minimum), to_text(maximum)))
    return version


def response_headers(service, version, legacy_header=None):
    """Headers that echo the microversion a response was built with."""
    headers = {
        "OpenStack-API-Version": "%s %s" % (service, to_text(version)),
        "Vary": "OpenStack-API-Version",
    }
    if legacy_header:
        headers[legacy_header] = to_text(version)
        headers["Vary"] = "OpenStack-API-Version, %s" % legacy_header
    return headers
