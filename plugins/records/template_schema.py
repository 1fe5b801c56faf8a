"""What a note template may contain, and what a note written from it may hold.

A template version's ``schema`` is ``{"sections": [{"key", "label", "fields": [field, ...]}, ...]}``;
a field is ``{"key", "label", "type", "required"?, "clinician_only"?, ...}`` where ``type`` is one of:

- ``text``: free text;
- ``choice``: one of ``options``;
- ``checklist``: any of ``options`` (a list of checkboxes);
- ``number``: a number with an optional ``unit`` (UCUM) and ``min``/``max``;
- ``date``: a calendar day.

Field keys are unique within a template, so a note's ``content`` is a flat ``{field key: value}``.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

FIELD_TYPES = ("text", "choice", "checklist", "number", "date")
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_TEXT = 20_000
MAX_SECTIONS = 30
MAX_FIELDS = 200


def validate_schema(schema: object) -> dict:
    """``schema`` when it is a well-formed template, else a ``ValidationError`` naming what is wrong."""
    if not isinstance(schema, dict) or not isinstance(schema.get("sections"), list) or not schema["sections"]:
        raise ValidationError(_("A template needs at least one section."))
    if len(schema["sections"]) > MAX_SECTIONS:
        raise ValidationError(_("A template has at most %(n)s sections.") % {"n": MAX_SECTIONS})
    keys: set[str] = set()
    count = 0
    for section in schema["sections"]:
        if not isinstance(section, dict) or not str(section.get("label", "")).strip():
            raise ValidationError(_("Every section needs a title."))
        fields = section.get("fields")
        if not isinstance(fields, list) or not fields:
            raise ValidationError(_("Section “%(s)s” has no fields.") % {"s": section["label"]})
        for field in fields:
            count += 1
            _check_field(field, keys)
    if count > MAX_FIELDS:
        raise ValidationError(_("A template has at most %(n)s fields.") % {"n": MAX_FIELDS})
    return schema


def _check_field(field: object, keys: set[str]) -> None:
    if not isinstance(field, dict):
        raise ValidationError(_("A field must be described by its key, label and type."))
    key, label, kind = str(field.get("key", "")), str(field.get("label", "")).strip(), field.get("type")
    if not KEY.match(key):
        raise ValidationError(
            _("Field key “%(k)s” must start with a letter and hold only a–z, 0–9 and _.") % {"k": key}
        )
    if key in keys:
        raise ValidationError(_("Field key “%(k)s” is used twice.") % {"k": key})
    keys.add(key)
    if not label:
        raise ValidationError(_("Field “%(k)s” needs a label.") % {"k": key})
    if kind not in FIELD_TYPES:
        raise ValidationError(_("Field “%(k)s” has an unknown type.") % {"k": key})
    if kind in ("choice", "checklist"):
        options = field.get("options")
        if not isinstance(options, list) or not options or not all(str(o).strip() for o in options):
            raise ValidationError(_("Field “%(k)s” needs a list of options.") % {"k": key})
    if kind == "number":
        for bound in ("min", "max"):
            if bound in field and not isinstance(field[bound], int | float):
                raise ValidationError(_("Field “%(k)s” has a bound that is not a number.") % {"k": key})


def fields_of(schema: dict) -> list[dict]:
    return [field for section in schema["sections"] for field in section["fields"]]


def clean_content(schema: dict, raw: dict, *, for_signing: bool = False) -> dict:
    """The note content ``raw`` reduced to the template's fields with each value checked. A draft may
    leave required fields empty; signing may not."""
    if not isinstance(raw, dict):
        raise ValidationError(_("The note's content must be an object of field values."))
    unknown = set(raw) - {f["key"] for f in fields_of(schema)}
    if unknown:
        raise ValidationError(_("This template has no field “%(k)s”.") % {"k": sorted(unknown)[0]})
    content: dict = {}
    errors: dict[str, str] = {}
    for field in fields_of(schema):
        value = raw.get(field["key"])
        try:
            cleaned = _clean_value(field, value)
        except ValidationError as error:
            errors[field["key"]] = error.messages[0]
            continue
        if cleaned in (None, "", []):
            if for_signing and field.get("required"):
                errors[field["key"]] = _("“%(label)s” is required before signing.") % {
                    "label": field["label"]
                }
            continue
        content[field["key"]] = cleaned
    if errors:
        raise ValidationError(errors)
    return content


def _clean_value(field: dict, value: object):
    kind = field["type"]
    if value is None or value == "":
        return None
    if kind == "text":
        text = str(value)
        if len(text) > MAX_TEXT:
            raise ValidationError(_("At most %(n)s characters.") % {"n": MAX_TEXT})
        return text.replace("\r\n", "\n").strip()
    if kind == "choice":
        if str(value) not in [str(o) for o in field["options"]]:
            raise ValidationError(_("Choose one of the options."))
        return str(value)
    if kind == "checklist":
        values = value if isinstance(value, list) else [value]
        options = [str(o) for o in field["options"]]
        if any(str(v) not in options for v in values):
            raise ValidationError(_("Choose from the options."))
        return [o for o in options if o in {str(v) for v in values}]
    if kind == "number":
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise ValidationError(_("Enter a number.")) from None
        if not number.is_finite():
            raise ValidationError(_("Enter a number."))
        if "min" in field and number < Decimal(str(field["min"])):
            raise ValidationError(_("At least %(n)s.") % {"n": field["min"]})
        if "max" in field and number > Decimal(str(field["max"])):
            raise ValidationError(_("At most %(n)s.") % {"n": field["max"]})
        return str(number.normalize()) if number == number.to_integral() else str(number)
    if kind == "date":
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise ValidationError(_("Enter a date (YYYY-MM-DD).")) from None
    raise ValidationError(_("Unknown field type."))
