"""A small JSON-schema subset, enough to reject bodies the way nova does.

Supports: type (name or list), properties, required, additionalProperties
(False only), enum, pattern, minLength, maxLength, minimum.
"""

import json
import re

from .errors import ApiError

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "null": lambda v: v is None,
}


def _fail(path, value, reason):
    where = path or "body"
    raise ApiError(400, "Invalid input for field/attribute %s. Value: %s. %s"
                   % (where, json.dumps(value, sort_keys=True), reason))


def validate(value, schema, path=""):
    """Raise ApiError(400) when `value` does not match `schema`."""
    types = schema.get("type")
    if types is not None:
        names = types if isinstance(types, list) else [types]
        if not any(_TYPES[name](value) for name in names):
            _fail(path, value, "%s is not of type %s" % (
                json.dumps(value), ", ".join("'%s'" % n for n in names)))
    if "enum" in schema and value not in schema["enum"]:
        _fail(path, value, "%s is not one of %s" % (
            json.dumps(value), schema["enum"]))
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            _fail(path, value, "%r is too short" % value)
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            _fail(path, value, "%r is too long" % value)
        if "pattern" in schema and not re.search(schema["pattern"], value):
            _fail(path, value, "%r does not match %r" % (
                value, schema["pattern"]))
    if isinstance(value, (int, float)) and "minimum" in schema:
        if value < schema["minimum"]:
            _fail(path, value, "%s is less than the minimum of %s" % (
                value, schema["minimum"]))
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                _fail(path, value, "'%s' is a required property" % key)
        if schema.get("additionalProperties") is False:
            extra = sorted(k for k in value if k not in props)
            if extra:
                _fail(path, value, "Additional properties are not allowed "
                      "(%s %s unexpected)" % (
                          ", ".join("'%s'" % k for k in extra),
                          "was" if len(extra) == 1 else "were"))
        for key, sub in props.items():
            if key in value:
                validate(value[key], sub, "%s/%s" % (path, key) if path
                         else key)
