"""Turning a message type, a language and plain values into a subject, text, HTML and a text message.

Templates are rendered in the message engine of ``sandbox.py`` (a few tags and filters, no files, a
length limit per part) over read-only plain values, never model objects. A clinic's template that does not
parse, does not render or writes past its part's limit is replaced by the shipped default for that part,
so a mistake in the back office never stops a reminder; the shipped wording is cut to the limit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from types import MappingProxyType

from django.conf import settings
from django.utils.html import escape, linebreaks
from django.utils.safestring import mark_safe

from . import defaults, sandbox
from .sandbox import HTML_ENGINE, LIMITS, TEXT_ENGINE
from .sms import fit_to_segments, segments

log = logging.getLogger(__name__)

SAMPLE_CONTEXT = {
    "patient_name": "Alex Example",
    "patient_first_name": "Alex",
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
    """Keep only plain read-only values: anything else becomes its string form, so templates cannot call
    methods, and lists and dicts become tuples and read-only mappings, so one part cannot empty a list
    (``{{ lots.clear }}``) that the next part reads."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):
        return MappingProxyType({str(k): _plain(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_plain(v) for v in value)
    return str(value)


def _part(engine, custom: str | None, default: str, context: dict, name: str, fell_back: list) -> str:
    limit = LIMITS[name]
    if custom:
        try:
            return sandbox.render(engine, custom, context, limit)
        except Exception as error:  # a clinic's template: any failure means "use the default"
            log.warning("custom %s template failed (%s); using the default", name, error)
            fell_back.append(name)
    return sandbox.render(engine, default, context, limit, cut=True)


def _html_document(body: str, language: str) -> str:
    direction = "rtl" if language.split("-")[0] in settings.LANGUAGES_BIDI else "ltr"
    return (
        f'<!doctype html><html lang="{escape(language)}" dir="{direction}">'
        '<body style="font-family:system-ui,sans-serif;line-height:1.5;color:#111">'
        f"{linebreaks(body, autoescape=False)}</body></html>"
    )


# Dates, times, amounts and phone numbers keep their own left-to-right order inside a right-to-left email.
ISOLATED = ("date", "time", "previous_date", "previous_time", "amount", "clinic_phone", "invoice_number")


def _isolated(values: dict) -> dict:
    wrapped = {
        key: mark_safe(f'<bdi dir="ltr">{escape(values[key])}</bdi>')  # noqa: S308 - the value is escaped
        for key in ISOLATED
        if isinstance(values.get(key), str) and values[key]
    }
    return {**values, **wrapped}


def render_message(message_type: str, language: str, context: dict, custom=None) -> Rendered:
    """Render ``message_type`` in ``language``; ``custom`` is a clinic's MessageTemplate (or None)."""
    values = {k: _plain(v) for k, v in context.items()}
    subject_default, body_default, sms_default = defaults.default_for(message_type, language)
    fell_back: list[str] = []
    subject = _part(TEXT_ENGINE, custom and custom.subject, subject_default, values, "subject", fell_back)
    text = _part(TEXT_ENGINE, custom and custom.body, body_default, values, "body", fell_back)
    html_body = _part(HTML_ENGINE, custom and custom.body, body_default, _isolated(values), "html", [])
    sms = _part(
        TEXT_ENGINE, custom and custom.sms_body, sms_default or body_default, values, "sms", fell_back
    )
    return Rendered(
        subject=" ".join(subject.split())[:300],
        text=text.strip(),
        html=_html_document(html_body.strip(), language),
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
    """Why each part of a clinic's template cannot be used (a tag or filter messages may not use, it does
    not parse, it fails on the sample values or writes past its limit), keyed by field; empty when every
    part renders. Saved templates are checked with this, so a clinic learns of a mistake when saving
    rather than by its messages quietly using the default."""
    from django.utils.translation import gettext as _

    values = {k: _plain(v) for k, v in SAMPLE_CONTEXT.items()}
    parts = {
        "subject": (subject, [(TEXT_ENGINE, "subject")]),
        "body": (body, [(TEXT_ENGINE, "body"), (HTML_ENGINE, "html")]),
        "sms_body": (sms_body, [(TEXT_ENGINE, "sms")]),
    }
    errors = {}
    for field_name, (source, renderings) in parts.items():
        if not source:
            continue
        try:
            for engine, part in renderings:
                sandbox.render(engine, source, values, LIMITS[part])
        except sandbox.TemplateRefused as refused:
            errors[field_name] = str(refused)
        except Exception as error:  # any other template failure: say so, in the clinic's words
            errors[field_name] = _("This template has an error: %(error)s") % {"error": str(error)[:200]}
    return errors
