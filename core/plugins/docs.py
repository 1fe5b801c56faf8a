"""Render docs/plugins.md: the plugin author's guide followed by the hook reference from hookspecs.py."""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path

from . import events, hookspecs

GUIDE = Path(__file__).with_name("guide.md")


def hook_names() -> list[str]:
    return sorted(
        name for name, fn in vars(hookspecs).items() if inspect.isfunction(fn) and hasattr(fn, "ehr_spec")
    )


def render() -> str:
    parts = [GUIDE.read_text().rstrip(), "", "## Hook reference", ""]
    parts.append(
        "_Generated from `core/plugins/hookspecs.py` (and `portal_hookspecs.py`, which it imports) by "
        "`manage.py plugin_docs`; do not edit by hand._"
    )
    parts.append("")
    for name in hook_names():
        fn = getattr(hookspecs, name)
        signature = str(inspect.signature(fn)).replace("'", "")
        parts += [f"### `{name}{signature}`", "", inspect.cleandoc(fn.__doc__ or ""), ""]
        if getattr(fn, "ehr_event", False):
            parts += event_reference(events.EVENTS[name])
    return "\n".join(parts).rstrip() + "\n"


DELIVERY_MEANS = {
    events.Delivery.IN_TRANSACTION: "inside the emitter's transaction, before it commits; a listener may "
    "refuse the change by raising `ValidationError`",
    events.Delivery.AFTER_COMMIT: "in the same process once the change commits; a failing listener is "
    "logged, never raised to the caller",
    events.Delivery.IN_WORKER: "in the task worker once the change commits, inside the clinic's scope, "
    "language and time zone; a failing listener is logged",
}


def event_reference(payload: type[events.Event]) -> list[str]:
    """The delivery and the payload's fields of an event hook, for the reference."""
    lines = [
        f"**Delivery: `{payload.delivery.value}`** ({DELIVERY_MEANS[payload.delivery]}).",
        "",
        f"**Payload `core.plugins.events.{payload.__name__}`:**",
        "",
    ]
    for field in dataclasses.fields(payload):
        lines.append(f"- `{field.name}: {field.type}`")
    return [*lines, ""]
