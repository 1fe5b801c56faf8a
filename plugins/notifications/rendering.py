"""Turning a message type, a language and plain values into a subject, text, HTML and a text message.

Templates are rendered by a separate Django template engine that can load no template files and no tag
libraries, over a context of plain strings, numbers and lists of dicts (never model objects). A clinic's
template that does not parse or does not render is replaced by the shipped default for that part, so a
typo in the back office never stops a reminder.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.template import Context, Engine
from django.utils.html import escape, linebreaks

from . import defaults
from .sms import fit_to_segments, segments

log = logging.getLogger(__name__)

# No loaders and no libraries: {% include %}, {% extends %} and {% load %} have nothing to reach.
_TEXT_ENGINE = Engine(loaders=[], libraries={}, autoescape=False, debug=False)
_HTML_ENGINE = Engine(loaders=[], libraries={}, autoescape=True, debug=False)

MAX_TEMPLATE_LENGTH = 10_000

SAMPLE_CONTEXT = {
    "patient_name": "Alex Example",
    "clinic_name": "Riverside Clinic",
    "clinic_phone": "+1 555 0100",
    "sender_name": "Riverside Clinic",
    "practitioner_name": "Dr. Sam Carter",
    "service_name": "Consultation",
    "date": "Monday, 3 March 2031",
    "time": "09:30",
    "previous_date": "Friday, 28 February 2031",
    "previous_time": "14:00",
    "reason": "",
    "invoice_number": "2031-0042",
    "amount": "80.00 USD",
    "link": "https://clinic.example/invoices/42/",
    "item_name": "Syringes 5 ml",
    "on_hand": "4",
    "reorder_level": "10",
    "lots": [{"name": "Vaccine A", "number": "L123", "expires": "2031-03-31"}],
}


@dataclass
class Rendered:
    subject: str
    text: str
    html: str
    sms: str
    # Parts where the clinic's template failed and the default was used instead.
    fell_back: list[str] = field(default_factory=list)

    @property
    def sms_segments(self) -> int:
        """How many parts the text message goes out in (it is trimmed to at most ``sms.MAX_SEGMENTS``)."""
        return segments(self.sms) if self.sms else 0


def _plain(value):
    """Keep only plain values: anything else becomes its string form, so templates cannot call methods."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


def _render(engine: Engine, source: str, context: dict) -> str:
    if len(source) > MAX_TEMPLATE_LENGTH:
        raise ValueError("template too long")
    return engine.from_string(source).render(Context(context, autoescape=engine.autoescape))


def _part(engine, custom: str | None, default: str, context: dict, name: str, fell_back: list) -> str:
    if custom:
        try:
            return _render(engine, custom, context)
        except Exception as error:  # a clinic's template: any failure means "use the default"
            log.warning("custom %s template failed (%s); using the default", name, error)
            fell_back.append(name)
    return _render(engine, default, context)


def _html_document(body: str) -> str:
    return (
        '<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#111">'
        f"{linebreaks(body, autoescape=False)}</body></html>"
    )


def render_message(message_type: str, language: str, context: dict, custom=None) -> Rendered:
    """Render ``message_type`` in ``language``; ``custom`` is a clinic's MessageTemplate (or None)."""
    values = {k: _plain(v) for k, v in context.items()}
    subject_default, body_default, sms_default = defaults.default_for(message_type, language)
    fell_back: list[str] = []
    subject = _part(_TEXT_ENGINE, custom and custom.subject, subject_default, values, "subject", fell_back)
    text = _part(_TEXT_ENGINE, custom and custom.body, body_default, values, "body", fell_back)
    html_body = _part(_HTML_ENGINE, custom and custom.body, body_default, values, "html", [])
    sms = _part(
        _TEXT_ENGINE, custom and custom.sms_body, sms_default or body_default, values, "sms", fell_back
    )
    return Rendered(
        subject=" ".join(subject.split())[:300],
        text=text.strip(),
        html=_html_document(html_body.strip()),
        sms=fit_to_segments(sms),
        fell_back=fell_back,
    )


def preview(message_type: str, language: str, subject: str, body: str, sms_body: str) -> Rendered:
    """Render unsaved template text with sample values (the settings page's preview)."""

    class Draft:
        pass

    draft = Draft()
    draft.subject, draft.body, draft.sms_body = subject, body, sms_body
    return render_message(message_type, language, SAMPLE_CONTEXT, custom=draft)


def escape_text(value: str) -> str:
    return escape(value)


def template_errors(subject: str, body: str, sms_body: str) -> dict[str, str]:
    """Why each part of a clinic's template cannot be used (it does not parse, or fails on the sample
    values), keyed by field; empty when every part renders. Saved templates are checked with this, so a
    clinic learns of a mistake when saving rather than by its messages quietly using the default."""
    from django.utils.translation import gettext as _

    values = {k: _plain(v) for k, v in SAMPLE_CONTEXT.items()}
    errors = {}
    for name, source in (("subject", subject), ("body", body), ("sms_body", sms_body)):
        if not source:
            continue
        if len(source) > MAX_TEMPLATE_LENGTH:
            errors[name] = _("This text is too long.")
            continue
        try:
            _render(_TEXT_ENGINE, source, values)
            if name == "body":
                _render(_HTML_ENGINE, source, values)
        except Exception as error:  # any template failure: say so, in the clinic's words
            errors[name] = _("This template has an error: %(error)s") % {"error": str(error)[:200]}
    return errors
