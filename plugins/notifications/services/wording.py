"""The clinic's own wording of each message type and language, and rendering a message with it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.tenancy.models import Clinic

from ..models import MessageTemplate
from ..rendering import Rendered, render_message, template_errors


def custom_template(clinic: Clinic, message_type: str, language: str) -> MessageTemplate | None:
    return MessageTemplate.objects.filter(
        organization_id=clinic.organization_id, clinic=clinic, message_type=message_type, language=language
    ).first()


@transaction.atomic
def save_template(
    clinic: Clinic, message_type: str, language: str, *, subject: str, body: str, sms_body: str = ""
) -> MessageTemplate:
    """Store the clinic's wording of ``message_type`` in ``language``; a template that does not render is
    refused with a message per field."""
    problems = template_errors(subject, body, sms_body)
    if problems:
        raise ValidationError(problems)
    template, _created = MessageTemplate.objects.update_or_create(
        organization_id=clinic.organization_id,
        clinic=clinic,
        message_type=message_type,
        language=language,
        defaults={"subject": subject, "body": body, "sms_body": sms_body, "updated_at": timezone.now()},
    )
    return template


@transaction.atomic
def reset_template(clinic: Clinic, message_type: str, language: str) -> bool:
    """Back to the shipped wording; False when the clinic had none of its own."""
    deleted, _detail = MessageTemplate.objects.filter(
        organization_id=clinic.organization_id, clinic=clinic, message_type=message_type, language=language
    ).delete()
    return bool(deleted)


def render_for(clinic: Clinic, message_type: str, language: str, context: dict) -> Rendered:
    return render_message(
        message_type, language, context, custom=custom_template(clinic, message_type, language)
    )
