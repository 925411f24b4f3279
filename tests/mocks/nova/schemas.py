"""Request-body schemas of the nova actions the mock serves, per microversion.

Written from nova's api-ref: each entry is (first, last, schema); a missing
entry for a microversion means nova does not validate that body.
"""

import copy

BOOLEAN = {
    "type": ["boolean", "string"],
    "enum": [True, "True", "TRUE", "true", "1", "ON", "On", "on", "YES",
             "Yes", "yes", False, "False", "FALSE", "false", "0", "OFF",
             "Off", "off", "NO", "No", "no"],
}
HOSTNAME = {"type": "string", "pattern": "^[a-zA-Z0-9-._]*$",
            "minLength": 1, "maxLength": 255}
NULLABLE_HOSTNAME = dict(HOSTNAME, type=["string", "null"])
REASON = {"type": "string", "minLength": 1, "maxLength": 255}


def _action(name, inner):
    return {"type": "object", "properties": {name: inner},
            "required": [name], "additionalProperties": False}


def _obj(props, required=()):
    return {"type": "object", "properties": props,
            "required": list(required), "additionalProperties": False}


_LIVE_20 = _obj({"block_migration": BOOLEAN, "disk_over_commit": BOOLEAN,
                 "host": NULLABLE_HOSTNAME},
                ["block_migration", "disk_over_commit", "host"])
_BLOCK_AUTO = copy.deepcopy(BOOLEAN)
_BLOCK_AUTO["enum"].append("auto")
_LIVE_225 = _obj({"block_migration": _BLOCK_AUTO, "host": NULLABLE_HOSTNAME},
                 ["block_migration", "host"])
_LIVE_230 = copy.deepcopy(_LIVE_225)
_LIVE_230["properties"]["force"] = BOOLEAN

_EVAC_20 = _obj({"host": HOSTNAME, "onSharedStorage": BOOLEAN,
                 "adminPass": {"type": "string"}}, ["onSharedStorage"])
_EVAC_214 = _obj({"host": HOSTNAME, "adminPass": {"type": "string"}})
_EVAC_229 = copy.deepcopy(_EVAC_214)
_EVAC_229["properties"]["force"] = BOOLEAN

_ANY = {}  # nova accepts any value for these parameterless actions

ACTIONS = {
    "os-migrateLive": [
        ((2, 0), (2, 24), _action("os-migrateLive", _LIVE_20)),
        ((2, 25), (2, 29), _action("os-migrateLive", _LIVE_225)),
        ((2, 30), (2, 67), _action("os-migrateLive", _LIVE_230)),
        ((2, 68), (9, 99), _action("os-migrateLive", _LIVE_225)),
    ],
    "migrate": [
        ((2, 56), (9, 99), _action("migrate", {
            "type": ["object", "null"],
            "properties": {"host": NULLABLE_HOSTNAME},
            "additionalProperties": False})),
    ],
    "evacuate": [
        ((2, 0), (2, 13), _action("evacuate", _EVAC_20)),
        ((2, 14), (2, 28), _action("evacuate", _EVAC_214)),
        ((2, 29), (2, 67), _action("evacuate", _EVAC_229)),
        ((2, 68), (9, 99), _action("evacuate", _EVAC_214)),
    ],
    "confirmResize": [((2, 0), (9, 99), _action("confirmResize", _ANY))],
    "revertResize": [((2, 0), (9, 99), _action("revertResize", _ANY))],
    "os-start": [((2, 0), (9, 99), _action("os-start", _ANY))],
    "os-stop": [((2, 0), (9, 99), _action("os-stop", _ANY))],
}

FORCE_COMPLETE = _action("force_complete", {"type": "null"})

SERVICE_UPDATE_253 = _obj({
    "status": {"type": "string", "enum": ["enabled", "disabled"]},
    "disabled_reason": REASON,
    "forced_down": BOOLEAN,
})
SERVICE_ACTION_20 = _obj({"host": HOSTNAME, "binary": REASON,
                          "disabled_reason": REASON}, ["host", "binary"])
SERVICE_ACTION_211 = copy.deepcopy(SERVICE_ACTION_20)
SERVICE_ACTION_211["properties"]["forced_down"] = BOOLEAN


def for_action(name, version):
    """Return the schema nova applies to action `name` at `version`, or None."""
    for first, last, schema in ACTIONS.get(name, []):
        if first <= version <= last:
            return schema
    return None


def to_bool(value):
    """Interpret one of nova's boolean spellings."""
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("true", "1", "on", "yes")
