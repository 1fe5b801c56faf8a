"""The road from what a request names to the notifications record it means, shared by the back-office
pages and the API: the same 404 for "missing" and "not yours", and the permission checked here, once.

Lookups run inside the request's organization scope and within ``request.clinic``, the clinic being worked
in (set by the core's module gate). The API turns the 404 into its uniform JSON error.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest

from core.patients.models import Patient
from core.patients.selectors import visible_patients
from core.tenancy.access import get_for_member

from .defaults import LANGUAGES
from .models import MessageType, OutboxMessage
from .selectors import clinic_messages


def access_message(request: HttpRequest, pk: object, *, for_update: bool = False) -> OutboxMessage:
    """One of the clinic's messages, for sending it again: the only thing done to a message named by id,
    so ``notifications.retry_message`` is the permission checked (403 when refused)."""
    messages = clinic_messages(request.clinic)
    if for_update:
        messages = messages.select_for_update(of=("self",))
    return get_for_member(request, messages, pk, permission="notifications.retry_message")


def access_patient(request: HttpRequest, pk: object, *, for_update: bool = False) -> Patient:
    """A patient the member may see, for the chart's Messages tab and the patient's message preferences."""
    patients = visible_patients(request.member).prefetch_related("patientclinic_set")
    if for_update:
        patients = patients.select_for_update(of=("self",))
    return get_for_member(request, patients, pk, permission="patients.view_patient")


def access_wording(message_type: str, language: str) -> tuple[str, str]:
    """The message type and language a template page or endpoint names, or 404 (like an unknown record):
    the wording of every type exists in every shipped language, the clinic's own or the default."""
    if message_type not in MessageType.values or language not in LANGUAGES:
        raise Http404
    return message_type, language
