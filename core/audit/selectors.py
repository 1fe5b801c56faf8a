"""Reading the change history recorded by the database triggers."""

from __future__ import annotations

from django.apps import apps
from pghistory.models import Events


def tenant_event_models() -> dict[str, type]:
    """Event models of tracked tenant tables, by the tracked model's label (e.g. ``patients.Patient``)."""
    found = {}
    for model in apps.get_models():
        tracked = getattr(model, "pgh_tracked_model", None)
        if tracked is None:
            continue
        if any(f.name == "organization" for f in tracked._meta.fields):
            found[tracked._meta.label] = model
    return dict(sorted(found.items()))


def organization_events(
    organization_id: int, *, record_type: str = "", user_id: int | None = None, start=None, end=None
):
    """Every recorded change to the organization's data, newest first."""
    models = tenant_event_models()
    chosen = [models[record_type]] if record_type in models else list(models.values())
    events = Events.objects.across(*chosen).filter(pgh_data__organization_id=organization_id)
    if user_id:
        events = events.filter(pgh_context__user=user_id)
    if start:
        events = events.filter(pgh_created_at__gte=start)
    if end:
        events = events.filter(pgh_created_at__lt=end)
    return events.order_by("-pgh_created_at", "-pgh_id")
