"""Notifications API, mounted by the core at ``/api/v1/clinics/{clinic_id}/notifications/``.

The core has already resolved ``request.clinic`` (a clinic the caller may see, with notifications on).
Each operation checks the same permission as the matching back-office page: the channel settings are the
owners', the templates and the message log the clinic's owners and staff.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal

from ninja import Query, Router, Schema
from pydantic import Field

from core.api.common import PageParams, page_of, paginate, requires, responses
from core.api.schemas import StrictSchema
from core.api.types import BoundedDate, LocalTime
from core.tenancy.access import check_perm

from . import reminders
from .access import access_message, access_wording
from .defaults import LANGUAGES, default_for
from .models import Channel, MessageType, Status
from .rendering import preview
from .selectors import clinic_messages
from .services.config import change_settings, settings_for
from .services.resend import retry
from .services.wording import custom_template, reset_template, save_template

router = Router(tags=["notifications"])


# --- schemas ---------------------------------------------------------------------------------------------


class SettingsOut(Schema):
    email_enabled: bool
    sms_enabled: bool
    reminder_offsets: list[int] = Field(description="Minutes before the appointment, latest first.")
    quiet_hours_start: LocalTime | None = Field(description="No text messages from (clinic-local time).")
    quiet_hours_end: LocalTime | None
    sender_name: str
    timezone: str


class SettingsIn(StrictSchema):
    email_enabled: bool
    sms_enabled: bool
    reminder_offsets: list[int] = Field(
        default_factory=list, max_length=20, description="Minutes before the appointment (at most five)."
    )
    quiet_hours_start: LocalTime | None = None
    quiet_hours_end: LocalTime | None = None
    sender_name: str = Field(default="", max_length=60)


class TemplateOut(Schema):
    message_type: str
    label: str
    language: str
    custom: bool = Field(description="False: the shipped default wording.")
    subject: str
    body: str
    sms_body: str


class TemplateIn(StrictSchema):
    subject: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=10_000)
    sms_body: str = Field(default="", max_length=10_000)


class PreviewIn(StrictSchema):
    subject: str = Field(default="", max_length=200)
    body: str = Field(default="", max_length=10_000)
    sms_body: str = Field(default="", max_length=10_000)


class PreviewOut(Schema):
    subject: str
    text: str
    html: str
    sms: str
    sms_segments: int
    fell_back: list[str] = Field(description="Parts whose template failed, so the default is shown.")


class MessageOut(Schema):
    id: int
    patient_id: int | None
    recipient: str
    channel: str
    message_type: str
    related_type: str
    related_id: int | None
    language: str
    subject: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str
    provider_id: str
    sent_at: datetime | None
    created_at: datetime


class MessageQuery(PageParams):
    status: Literal[tuple(Status.values)] | None = None  # type: ignore[valid-type]
    channel: Literal[tuple(Channel.values)] | None = None  # type: ignore[valid-type]
    message_type: Literal[tuple(MessageType.values)] | None = None  # type: ignore[valid-type]
    patient_id: int | None = None
    date_from: BoundedDate | None = Field(None, description="Recorded on or after this day (clinic-local).")
    date_to: BoundedDate | None = Field(None, description="Recorded on or before this day (clinic-local).")


# --- helpers ---------------------------------------------------------------------------------------------


def _settings_out(clinic, config) -> dict:
    return {
        "email_enabled": config.email_enabled,
        "sms_enabled": config.sms_enabled,
        "reminder_offsets": reminders.offsets_of(config),
        "quiet_hours_start": config.quiet_hours_start,
        "quiet_hours_end": config.quiet_hours_end,
        "sender_name": config.sender_name,
        "timezone": clinic.timezone,
    }


def _template_out(clinic, message_type: str, language: str, custom=None) -> dict:
    subject, body, sms_body = default_for(message_type, language)
    if custom is not None:
        subject, body, sms_body = custom.subject, custom.body, custom.sms_body
    return {
        "message_type": message_type,
        "label": str(MessageType(message_type).label),
        "language": language,
        "custom": custom is not None,
        "subject": subject,
        "body": body,
        "sms_body": sms_body,
    }


def _day_start(clinic, day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clinic.tzinfo)


# --- settings --------------------------------------------------------------------------------------------


@router.get(
    "/settings",
    response=responses({200: SettingsOut}),
    summary="The clinic's channels, reminder times and quiet hours",
    openapi_extra=requires("notifications.manage_templates"),
)
def get_settings(request):
    check_perm(request, "notifications.manage_templates", request.clinic)
    return _settings_out(request.clinic, settings_for(request.clinic))


@router.put(
    "/settings",
    response=responses({200: SettingsOut}),
    summary="Change the clinic's channels, reminder times and quiet hours",
    openapi_extra=requires("notifications.manage_channels"),
)
def put_settings(request, payload: SettingsIn):
    clinic = request.clinic
    check_perm(request, "notifications.manage_channels", clinic)
    config = change_settings(
        clinic,
        email_enabled=payload.email_enabled,
        sms_enabled=payload.sms_enabled,
        reminder_offsets=payload.reminder_offsets,
        quiet_hours_start=payload.quiet_hours_start,
        quiet_hours_end=payload.quiet_hours_end,
        sender_name=payload.sender_name,
    )
    return _settings_out(clinic, config)


# --- templates -------------------------------------------------------------------------------------------


@router.get(
    "/templates",
    response=responses({200: list[TemplateOut]}),
    summary="Every message type's wording in every language (the clinic's own or the default)",
    openapi_extra=requires("notifications.manage_templates"),
)
def list_templates(request):
    from .models import MessageTemplate

    clinic = request.clinic
    check_perm(request, "notifications.manage_templates", clinic)
    custom = {
        (t.message_type, t.language): t
        for t in MessageTemplate.objects.filter(organization_id=clinic.organization_id, clinic=clinic)
    }
    return [
        _template_out(clinic, message_type, language, custom.get((message_type, language)))
        for message_type in MessageType.values
        for language in LANGUAGES
    ]


@router.get(
    "/templates/{message_type}/{language}",
    response=responses({200: TemplateOut}),
    summary="One message type's wording in one language",
    openapi_extra=requires("notifications.manage_templates"),
)
def get_template(request, message_type: str, language: str):
    clinic = request.clinic
    check_perm(request, "notifications.manage_templates", clinic)
    message_type, language = access_wording(message_type, language)
    return _template_out(clinic, message_type, language, custom_template(clinic, message_type, language))


@router.put(
    "/templates/{message_type}/{language}",
    response=responses({200: TemplateOut}),
    summary="Use the clinic's own wording (refused when a part does not render)",
    openapi_extra=requires("notifications.manage_templates"),
)
def put_template(request, message_type: str, language: str, payload: TemplateIn):
    clinic = request.clinic
    check_perm(request, "notifications.manage_templates", clinic)
    message_type, language = access_wording(message_type, language)
    template = save_template(
        clinic,
        message_type,
        language,
        subject=payload.subject,
        body=payload.body,
        sms_body=payload.sms_body,
    )
    return _template_out(clinic, message_type, language, template)


@router.delete(
    "/templates/{message_type}/{language}",
    response=responses({200: TemplateOut}),
    summary="Go back to the default wording",
    openapi_extra=requires("notifications.manage_templates"),
)
def delete_template(request, message_type: str, language: str):
    clinic = request.clinic
    check_perm(request, "notifications.manage_templates", clinic)
    message_type, language = access_wording(message_type, language)
    reset_template(clinic, message_type, language)
    return _template_out(clinic, message_type, language)


@router.post(
    "/templates/{message_type}/{language}/preview",
    response=responses({200: PreviewOut}),
    summary="Render unsaved wording with sample values (nothing is stored)",
    openapi_extra=requires("notifications.manage_templates"),
)
def preview_template(request, message_type: str, language: str, payload: PreviewIn):
    check_perm(request, "notifications.manage_templates", request.clinic)
    message_type, language = access_wording(message_type, language)
    rendered = preview(message_type, language, payload.subject, payload.body, payload.sms_body)
    return {
        "subject": rendered.subject,
        "text": rendered.text,
        "html": rendered.html,
        "sms": rendered.sms,
        "sms_segments": rendered.sms_segments,
        "fell_back": rendered.fell_back,
    }


# --- the message log -------------------------------------------------------------------------------------


@router.get(
    "/messages",
    response=responses({200: page_of(MessageOut)}),
    summary="The clinic's messages, newest first",
    openapi_extra=requires("notifications.view_messages"),
)
def list_messages(request, filters: Query[MessageQuery]):
    clinic = request.clinic
    check_perm(request, "notifications.view_messages", clinic)
    rows = clinic_messages(clinic).defer("body_text", "body_html")
    for name in ("status", "channel", "message_type", "patient_id"):
        value = getattr(filters, name)
        if value is not None:
            rows = rows.filter(**{name: value})
    if filters.date_from:
        rows = rows.filter(created_at__gte=_day_start(clinic, filters.date_from))
    if filters.date_to:
        from datetime import timedelta

        rows = rows.filter(created_at__lt=_day_start(clinic, filters.date_to + timedelta(days=1)))
    return paginate(request, rows, filters)


@router.post(
    "/messages/{message_id}/retry",
    response=responses({200: MessageOut}),
    summary="Queue a failed message for a fresh round of attempts",
    openapi_extra=requires("notifications.retry_message"),
)
def retry_message(request, message_id: str):
    message = access_message(request, message_id)
    return retry(message)
