"""Note operations: list, create, read, change a draft (signed notes: 409), delete a draft, sign, and
addenda."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from core.api.schemas import StrictSchema
from core.audit.recording import api_shows
from core.audit.vocabulary import Category

from .. import selectors
from ..access import access_chart, access_encounter, access_note
from ..models import Addendum, Note, NoteStatus, NoteTemplateVersion, Privacy
from ..services import amendments, notes
from ..signing import check_signer
from .common import ERRORS, conflict, require_writer

router = Router()

PrivacyIn = Literal[tuple(Privacy.values)]  # type: ignore[valid-type]


class NoteOut(Schema):
    id: int
    encounter_id: int
    patient_id: int
    author_id: int
    template_version_id: int
    status: str
    privacy: str
    content: dict[str, Any]
    revision: int
    signed_at: datetime | None
    content_sha256: str
    locked_at: datetime | None
    cosign_required: bool
    cosigned_at: datetime | None
    entered_in_error_at: datetime | None
    entered_in_error_reason: str
    created_at: datetime


class NoteIn(StrictSchema):
    template_version_id: int
    privacy: PrivacyIn = "clinical"
    copy_forward: bool = False


class DraftIn(StrictSchema):
    content: dict[str, Any]
    revision: int | None = None
    privacy: PrivacyIn | None = None


class SignIn(StrictSchema):
    secret: str = Field(min_length=1, max_length=128, description="The author's password, or a 2FA code.")


class AddendumIn(SignIn):
    reason: str = Field(min_length=1, max_length=300)
    text: str = Field(min_length=1, max_length=20000)


class AddendumOut(Schema):
    id: int
    note_id: int
    author_id: int
    reason: str
    text: str
    signed_at: datetime
    content_sha256: str


@router.get("/patients/{patient_id}/notes", response={200: list[NoteOut], **ERRORS}, summary="Notes")
@api_shows(Category.CLINICAL_NOTES)
def list_notes(request: HttpRequest, patient_id: str) -> list:
    patient = access_chart(request, patient_id)
    return list(selectors.readable_notes(request.member, patient).order_by("-created_at")[:200])


@router.post("/encounters/{encounter_id}/notes", response={201: NoteOut, **ERRORS}, summary="Start a note")
@api_shows(Category.CLINICAL_NOTES)
def create_note(request: HttpRequest, encounter_id: str, payload: NoteIn) -> Status:
    encounter = access_encounter(request, encounter_id)
    require_writer(request)
    version = NoteTemplateVersion.objects.filter(
        organization_id=encounter.organization_id, pk=payload.template_version_id
    ).first()
    if version is None:
        raise ValidationError({"template_version_id": _("Choose one of your templates.")})
    note = notes.create_note(
        encounter,
        version,
        author=request.member.membership,
        privacy=payload.privacy,
        copy_forward=payload.copy_forward,
    )
    return Status(201, note)


@router.get("/notes/{note_id}", response={200: NoteOut, **ERRORS}, summary="Note")
@api_shows(Category.CLINICAL_NOTES)
def get_note(request: HttpRequest, note_id: str) -> Note:
    return access_note(request, note_id)


@router.patch("/notes/{note_id}", response={200: NoteOut, **ERRORS}, summary="Change a draft")
@api_shows(Category.CLINICAL_NOTES)
def change_draft(request: HttpRequest, note_id: str, payload: DraftIn) -> Note:
    found = access_note(request, note_id)
    if found.status != NoteStatus.DRAFT:
        raise conflict(
            notes.AlreadySigned(
                _("This note is signed and can no longer be edited. Add an addendum instead.")
            )
        )
    if not request.user.has_perm("records.edit_note", found):
        raise PermissionDenied
    try:
        return notes.save_draft(found, payload.content, revision=payload.revision, privacy=payload.privacy)
    except (notes.AlreadySigned, notes.StaleDraft) as error:
        raise conflict(error) from None


@router.delete("/notes/{note_id}", response={204: None, **ERRORS}, summary="Delete a draft")
def delete_draft(request: HttpRequest, note_id: str) -> Status:
    found = access_note(request, note_id)
    if found.status != NoteStatus.DRAFT:
        raise conflict(
            notes.AlreadySigned(_("A signed note is never deleted; mark it entered in error instead."))
        )
    if not request.user.has_perm("records.edit_note", found):
        raise PermissionDenied
    with transaction.atomic():
        locked = Note.objects.select_for_update().get(pk=found.pk)
        if locked.status != NoteStatus.DRAFT:
            raise conflict(notes.AlreadySigned(_("This note was signed meanwhile.")))
        locked.delete()
    return Status(204, None)


@router.post("/notes/{note_id}/sign", response={200: NoteOut, **ERRORS}, summary="Sign a draft")
@api_shows(Category.CLINICAL_NOTES)
def sign(request: HttpRequest, note_id: str, payload: SignIn) -> Note:
    found = access_note(request, note_id)
    if found.status != NoteStatus.DRAFT:
        raise conflict(notes.AlreadySigned(_("This note was already signed.")))
    if not request.user.has_perm("records.sign_note", found):
        raise PermissionDenied
    check_signer(request.user, payload.secret)
    try:
        return notes.sign_note(found, by=request.user)
    except notes.AlreadySigned as error:
        raise conflict(error) from None


@router.get("/notes/{note_id}/addenda", response={200: list[AddendumOut], **ERRORS}, summary="Addenda")
@api_shows(Category.CLINICAL_NOTES)
def list_addenda(request: HttpRequest, note_id: str) -> list:
    found = access_note(request, note_id)
    return list(Addendum.objects.filter(note=found).order_by("signed_at", "id"))


@router.post(
    "/notes/{note_id}/addenda", response={201: AddendumOut, **ERRORS}, summary="Add a signed addendum"
)
@api_shows(Category.CLINICAL_NOTES)
def add_addendum(request: HttpRequest, note_id: str, payload: AddendumIn) -> Status:
    found = access_note(request, note_id)
    if found.status == NoteStatus.DRAFT:
        raise conflict(
            ValidationError(_("A draft is corrected by editing it; addenda follow a signed note."))
        )
    if not request.user.has_perm("records.amend_note", found):
        raise PermissionDenied
    check_signer(request.user, payload.secret)
    addendum = amendments.add_addendum(
        found, author=request.member.membership, by=request.user, reason=payload.reason, text=payload.text
    )
    return Status(201, addendum)
