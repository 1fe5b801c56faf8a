"""Changes and accesses in the words of the clinic: "Invoice AD-2026-0015: status Draft → Issued".

Field names become the model's verbose names, stored choice values their labels, and bookkeeping fields
(versions, search keys, retry times) are left out: they change with every save and tell a reader nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.db import models
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from core.tenancy.clinic_time import clinic_time

from .vocabulary import Action, Category

# Columns every change touches or that only the software reads.
BOOKKEEPING = frozenset(
    {
        "id",
        "organization",
        "version",
        "created_at",
        "updated_at",
        "modified_at",
        "search_name",
        "next_attempt_at",
        "attempts",
        "last_error",
        "token_hash",
        "password",
        "last_login",
        "idempotency_key",
    }
)
# What names a record, in order of preference.
IDENTIFIERS = ("number", "record_number", "name", "title", "substance", "description", "email", "slug")


def change_action_label(action: str) -> str:
    labels = {"insert": _("Created"), "update": _("Changed"), "delete": _("Deleted")}
    return labels.get(action, action)


def access_action_label(action: str) -> str:
    return str(dict(Action.choices).get(action, action))


def category_label(category: str) -> str:
    return str(dict(Category.choices).get(category, category))


def _field(model, name: str):
    try:
        return model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - a column the model no longer has
        return None


def shown_fields(model) -> list:
    """The tracked model's fields a reader cares about."""
    return [
        f
        for f in model._meta.concrete_fields
        if f.name not in BOOKKEEPING and not f.name.startswith("pgh_") and not isinstance(f, models.AutoField)
    ]


def value_label(field, value, place) -> str:
    """A stored value as a person reads it (choice labels, dates in the clinic's zone, Yes/No)."""
    if value is None or value == "":
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime):
        return clinic_time(value, place, "j M Y H:i")
    if isinstance(value, date | Decimal):
        return str(value)
    return Truncator(str(value)).chars(80)


def record_label(model, row: dict, object_id) -> str:
    """ "Invoice AD-2026-0015", "Patient Erin Example", "Allergy Latex"."""
    name = str(model._meta.verbose_name).capitalize()
    given, family = row.get("given_name"), row.get("family_name")
    if given or family:
        return f"{name} {' '.join(filter(None, [given, family]))}"
    for key in IDENTIFIERS:
        if row.get(key):
            return f"{name} {Truncator(str(row[key])).chars(40)}"
    return f"{name} #{object_id}"


def change_lines(model, before: dict | None, after: dict, place) -> list[str]:
    """ "status: Draft → Issued" for each field a reader cares about that differs (all shown ones when
    the record was created)."""
    lines = []
    for field in shown_fields(model):
        new = after.get(field.attname)
        if isinstance(field, models.ForeignKey):
            # A link to another record: its id means nothing to a reader; say only that it moved.
            if before is not None and before.get(field.attname) != new:
                lines.append(_("%(field)s: changed") % {"field": field.verbose_name})
            continue
        if before is None:
            if new in (None, "", False):
                continue
            lines.append(f"{field.verbose_name}: {value_label(field, new, place)}")
            continue
        old = before.get(field.attname)
        if old != new:
            lines.append(
                f"{field.verbose_name}: {value_label(field, old, place)} → {value_label(field, new, place)}"
            )
    return lines
