r"""A small declarative schema: the same objects validate requests and describe them in OpenAPI 3.

``Field`` describes one value (a path or query parameter, a property of a body); ``Obj`` an object of fields.
``parse`` turns a raw value into a clean one or collects ``{"field", "message"}`` errors in Chinese.

The document says exactly what ``parse`` accepts (a test drives the API with schemathesis, both ways): a required
string must hold a non-blank character (:data:`NOT_BLANK`), lengths count the text as sent, a date is
``YYYY-MM-DD`` and nothing else, an optional query parameter sent empty (``agency=``) means it was not sent
(``allowEmptyValue``), a pattern's failure says what is expected (``hint``), and a choice read from the policy
settings (``choices``) is published as the enum it is when the document is asked for.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

_INT = re.compile(r"^[+-]?[0-9]+$")  # ASCII digits only: int() would also take "１０" or "٣"
_NUMBER = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$")  # float() would also take "nan", "inf", "1e999"
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")  # date.fromisoformat would also take "2026-W01-1"
#: a character that is not blank — the same set in Python's re and in ECMA-262, the dialect of JSON Schema patterns:
#: Python's \s also holds \x1c-\x1f and \x85, ECMA's also holds \ufeff
NOT_BLANK = r"[^\s\x1c-\x1f\x85\ufeff]"


@dataclass(frozen=True)
class Field:
    """One value: its name, JSON type and constraints; ``label`` is the Chinese name used in messages."""

    name: str
    type: str  # string | integer | number | boolean | date | array | object
    label: str = ""
    required: bool = False
    description: str = ""
    enum: tuple = ()
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    multiple_of: float | None = None
    items: Field | Obj | None = None
    obj: Obj | None = None
    max_items: int | None = None
    min_items: int | None = None
    default: object = None
    nullable: bool = False
    pattern: str | None = None  # a regular expression the text must match (JSON Schema: unanchored)
    hint: str = ""  # what the pattern expects, in Chinese: the message when it fails
    choices: Callable[[], tuple] | None = None  # an enum read when asked (e.g. from the policy settings)

    def allowed(self) -> tuple:
        """The values this field may take (its ``enum``, or its ``choices`` now); empty when any."""
        return self.enum or (tuple(self.choices()) if self.choices is not None else ())

    def json_schema(self) -> dict:
        """This field as an OpenAPI 3.0 schema object."""
        if self.type == "object" and self.obj is not None:
            schema = {"allOf": [self.obj.ref()]}  # a $ref may not carry siblings such as a description
            if self.nullable:  # OAS 3.0: the referenced schema is not nullable, so null needs a branch of its own
                schema = {"anyOf": [self.obj.ref(), {"type": "object", "nullable": True, "enum": [None]}]}
        elif self.type == "array":
            schema = {"type": "array", "items": self.items.ref() if isinstance(self.items, Obj)
                      else self.items.json_schema()}
            if self.max_items is not None:
                schema["maxItems"] = self.max_items
            if self.min_items is not None:
                schema["minItems"] = self.min_items
        elif self.type == "date":
            schema = {"type": "string", "format": "date"}
        else:
            schema = {"type": self.type}
        if self.allowed():  # OAS 3.0.3: a nullable enum lists null among its values
            schema["enum"] = list(self.allowed()) + ([None] if self.nullable else [])
        if self.pattern:
            schema["pattern"] = self.pattern
        elif self.type == "string" and self.required and not self.allowed():
            schema["pattern"] = NOT_BLANK
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        if self.max_length is not None:
            schema["maxLength"] = self.max_length
        if self.multiple_of is not None:
            schema["multipleOf"] = self.multiple_of
        if self.default is not None:
            schema["default"] = self.default
        if self.nullable:
            schema["nullable"] = True
        if self.description or self.label:
            schema["description"] = " ".join(part for part in (self.label, self.description) if part)
        return schema


@dataclass(frozen=True)
class Obj:
    """An object schema, published under ``components/schemas/<name>``."""

    name: str
    fields: tuple[Field, ...] = field(default_factory=tuple)
    description: str = ""

    def ref(self) -> dict:
        return {"$ref": f"#/components/schemas/{self.name}"}

    def json_schema(self) -> dict:
        schema = {"type": "object", "properties": {f.name: f.json_schema() for f in self.fields},
                  "additionalProperties": False}
        required = [f.name for f in self.fields if f.required]
        if required:
            schema["required"] = required
        if self.description:
            schema["description"] = self.description
        return schema

    def nested(self) -> list[Obj]:
        """This object and every object schema it refers to."""
        found = [self]
        for f in self.fields:
            for child in (f.obj, f.items):
                if isinstance(child, Obj):
                    found.extend(child.nested())
        return found



def _number(value) -> str:
    """A bound as people write it: 2147483647, 0.5 (never 2.14748e+09)."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"

def _label(f: Field) -> str:
    return f.label or f.name


def parse(f: Field, raw, path: str, errors: list, *, from_text: bool = False):
    """Check ``raw`` against ``f``; returns the clean value (``None`` when invalid) and appends errors.

    :param from_text: the value came from a query string, so numbers and booleans arrive as text.
    """
    def fail(message):
        errors.append({"field": path, "message": message})
        return None

    if raw is None or (from_text and raw == "" and not f.required):  # ``?agency=``: documented allowEmptyValue
        if f.required:
            return fail(f"缺少必填项“{_label(f)}”（{path}）")
        return f.default
    if f.type == "string":
        if not isinstance(raw, str):
            return fail(f"“{_label(f)}”应为文本")
        if f.max_length is not None and len(raw) > f.max_length:
            return fail(f"“{_label(f)}”不能超过{f.max_length}个字符")
        if f.pattern and not re.search(f.pattern, raw):
            return fail(f.hint or f"“{_label(f)}”格式有误")
        value = raw.strip()
        if f.required and not re.search(NOT_BLANK, raw):
            return fail(f"“{_label(f)}”不能为空")
    elif f.type == "integer":
        if from_text and isinstance(raw, str) and _INT.match(raw.strip()):
            if len(raw.strip().lstrip("+-").lstrip("0")) > 18:  # int() refuses past 4,300 digits (a 500)
                return fail(f"“{_label(f)}”超出范围")
            raw = int(raw)
        if isinstance(raw, bool) or not isinstance(raw, int):
            return fail(f"“{_label(f)}”应为整数")
        value = raw
    elif f.type == "number":
        if from_text and isinstance(raw, str) and _NUMBER.match(raw.strip()):
            raw = float(raw)
        # JSON bodies may carry NaN or Infinity (Python's parser accepts them): no constraint would catch those
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
            return fail(f"“{_label(f)}”应为数字")
        value = raw
        # math.remainder, not value / step: a finite 1.7e308 divided by 0.5 is infinity, and round(inf) raises
        if f.multiple_of is not None and abs(math.remainder(value, f.multiple_of)) > 1e-9:
            return fail(f"“{_label(f)}”须为{_number(f.multiple_of)}的整数倍")
    elif f.type == "boolean":
        if from_text and raw in ("true", "false", "1", "0"):
            raw = raw in ("true", "1")
        if not isinstance(raw, bool):
            return fail(f"“{_label(f)}”应为 true 或 false")
        value = raw
    elif f.type == "date":
        try:
            value = dt.date.fromisoformat(raw) if isinstance(raw, str) and _DATE.match(raw) else None
        except ValueError:
            value = None
        if value is None:
            return fail(f"“{_label(f)}”应为日期，格式 YYYY-MM-DD")
    elif f.type == "array":
        if not isinstance(raw, list):
            return fail(f"“{_label(f)}”应为数组")
        if f.max_items is not None and len(raw) > f.max_items:
            return fail(f"“{_label(f)}”最多{f.max_items}项")
        if f.min_items is not None and len(raw) < f.min_items:
            return fail(f"“{_label(f)}”至少需要{f.min_items}项")
        value = raw  # items are checked by the caller, which reports them with their index
    elif f.type == "object":
        if not isinstance(raw, dict):
            return fail(f"“{_label(f)}”应为对象")
        value = parse_object(f.obj, raw, path, errors) if f.obj is not None else raw
    else:  # pragma: no cover - a definition error
        raise ValueError(f"unknown type {f.type}")
    allowed = f.allowed()
    if allowed and value not in allowed:
        return fail(f"“{_label(f)}”须为以下之一：{'、'.join(map(str, allowed))}")
    if f.minimum is not None and isinstance(value, int | float) and value < f.minimum:
        return fail(f"“{_label(f)}”不能小于{_number(f.minimum)}")
    if f.maximum is not None and isinstance(value, int | float) and value > f.maximum:
        return fail(f"“{_label(f)}”不能大于{_number(f.maximum)}")
    return value


def parse_object(obj: Obj, raw: dict, path: str, errors: list) -> dict:
    """Check every field of an object; unknown properties are errors too."""
    clean = {}
    known = {f.name for f in obj.fields}
    for name in raw:
        if name not in known:
            errors.append({"field": f"{path}.{name}" if path else name, "message": f"未知字段“{name}”"})
    for f in obj.fields:
        clean[f.name] = parse(f, raw.get(f.name), f"{path}.{f.name}" if path else f.name, errors)
    return clean


def conforms(schema: Field | Obj, value) -> list:
    """Errors of ``value`` against a response schema (tests use it to prove responses match the document)."""
    errors: list = []
    if isinstance(schema, Obj):
        if not isinstance(value, dict):
            return [{"field": schema.name, "message": "not an object"}]
        for name in value:
            if name not in {f.name for f in schema.fields}:
                errors.append({"field": name, "message": "undocumented property"})
        for f in schema.fields:
            if f.name not in value:
                if f.required:
                    errors.append({"field": f.name, "message": "missing"})
                continue
            errors.extend(conforms(f, value[f.name]))
        return errors
    if value is None:
        return [] if schema.nullable or not schema.required else [{"field": schema.name, "message": "null"}]
    if schema.type == "array":
        if not isinstance(value, list):
            return [{"field": schema.name, "message": "not an array"}]
        for item in value:
            errors.extend(conforms(schema.items, item))
        return errors
    if schema.type == "object" and schema.obj is not None:
        return conforms(schema.obj, value)
    parse(schema, value, schema.name, errors)
    return errors
