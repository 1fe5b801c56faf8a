"""``{{ d|decision }}``: one class decision to show, whether from a preview (a ``ClassDecision``) or from
a decided request's stored outcome (its JSON), with dates as dates and the class's translated label."""

from datetime import date

from django import template

from core.compliance.packs import RECORD_CLASSES
from core.compliance.retention import ClassDecision

register = template.Library()


@register.filter
def decision(value) -> dict:
    row = value.as_json() if isinstance(value, ClassDecision) else dict(value)
    for key in ("last_activity", "kept_until"):
        if row.get(key):
            row[key] = date.fromisoformat(row[key])
    row["label"] = RECORD_CLASSES.get(row["record_class"], row["record_class"])
    return row
