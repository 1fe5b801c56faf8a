"""A note: the editor of a draft (with autosave), signing, and the signed note with its addenda, the
entered-in-error mark and the co-signature."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.audit.recording import shows
from core.audit.vocabulary import Category
from core.forms import apply_errors
from core.office.decorators import member_required
from core.tenancy.clinic_time import clinic_time

from .. import note_display
from ..access import access_note
from ..forms import AddendumForm, EnteredInErrorForm, SignForm
from ..models import NoteSignature
from ..services import amendments, notes
from ..signing import check_signer, uses_code
from .common import records_url, render_tab


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _page(request: HttpRequest, note, *, status: int = 200, **forms) -> HttpResponse:
    may = {
        perm: request.user.has_perm(f"records.{perm}", note)
        for perm in (
            "edit_note",
            "sign_note",
            "amend_note",
            "mark_note_in_error",
            "cosign_note",
            "share_note",
        )
    }
    code = uses_code(request.user)
    addenda = list(note.addenda.select_related("author__user").order_by("signed_at", "id"))
    for addendum in addenda:
        addendum.diff = note_display.addendum_diff(note, addendum.text)
    return render_tab(
        request,
        note.patient,
        "note.html",
        {
            "note": note,
            "sections": note_display.sections(note, forms.pop("content", None)),
            "addenda": addenda,
            "signatures": list(NoteSignature.objects.filter(note=note).select_related("signer")),
            "may": may,
            "sign_form": forms.get("sign_form") or SignForm(uses_code=code),
            "addendum_form": forms.get("addendum_form") or AddendumForm(uses_code=code),
            "error_form": forms.get("error_form") or EnteredInErrorForm(),
            "cosign_form": forms.get("cosign_form") or SignForm(uses_code=code),
            "editor_errors": forms.get("editor_errors") or {},
        },
        tab="notes",
        status=status,
    )


@member_required
@shows(Category.CLINICAL_NOTES)
def note(request: HttpRequest, clinic_slug: str, pk: str) -> HttpResponse:
    return _page(request, access_note(request, pk))


@member_required
@require_POST
@shows(Category.CLINICAL_NOTES)
def note_draft(request: HttpRequest, clinic_slug: str, pk: str) -> HttpResponse:
    """Save what was typed: the autosave posts here (JSON answer), and so does the Save button."""
    found = access_note(request, pk)
    if found.status == "draft" and not request.user.has_perm("records.edit_note", found):
        raise PermissionDenied  # a colleague's draft: only its author writes it
    raw = note_display.raw_from_post(found, request.POST)
    revision = request.POST.get("revision", "")
    try:
        saved = notes.save_draft(
            found,
            raw,
            revision=int(revision) if revision.isdigit() else None,
            privacy=request.POST.get("privacy") or None,
        )
    except (notes.StaleDraft, notes.AlreadySigned) as error:
        if _wants_json(request):
            return JsonResponse({"error": " ".join(error.messages)}, status=409)
        messages.error(request, " ".join(error.messages))
        return redirect(records_url(request, "note", pk=found.pk))
    except ValidationError as error:
        if _wants_json(request):
            return JsonResponse(
                {
                    "error": " ".join(error.messages),
                    "fields": error.message_dict if hasattr(error, "error_dict") else {},
                },
                status=422,
            )
        return _page(
            request, found, status=400, content=raw, editor_errors=getattr(error, "message_dict", {})
        )
    if _wants_json(request):
        return JsonResponse(
            {
                "revision": saved.revision,
                "saved_at": clinic_time(saved.updated_at, request.clinic, "TIME_FORMAT"),
            }
        )
    messages.success(request, _("Draft saved."))
    return redirect(records_url(request, "note", pk=found.pk))


@member_required
@require_POST
@shows(Category.CLINICAL_NOTES)
def note_sign(request: HttpRequest, clinic_slug: str, pk: str) -> HttpResponse:
    """Sign with the author's password or authenticator code. The typed text is saved first, so a refused
    signature never loses it."""
    found = access_note(request, pk, permission="records.view_note")
    if not request.user.has_perm("records.sign_note", found):
        if found.status != "draft":
            return _already(request, found)
        raise PermissionDenied  # a colleague's draft: only its author signs it
    form = SignForm(request.POST, uses_code=uses_code(request.user))
    raw = note_display.raw_from_post(found, request.POST) if "revision" in request.POST else None
    try:
        if raw is not None:
            revision = request.POST["revision"]
            found = notes.save_draft(found, raw, revision=int(revision) if revision.isdigit() else None)
        if not form.is_valid():
            return _page(request, found, status=400, sign_form=form)
        check_signer(request.user, form.cleaned_data["secret"])
        notes.sign_note(found, by=request.user)
    except notes.AlreadySigned:
        return _already(request, found)
    except notes.StaleDraft as error:
        messages.error(request, " ".join(error.messages))
        return redirect(records_url(request, "note", pk=found.pk))
    except ValidationError as error:
        if "secret" in getattr(error, "message_dict", {}):
            apply_errors(form, error)
            return _page(request, found, status=400, sign_form=form)
        found.refresh_from_db()
        return _page(request, found, status=400, editor_errors=getattr(error, "message_dict", {}))
    messages.success(request, _("Note signed."))
    return redirect(records_url(request, "note", pk=found.pk))


def _already(request: HttpRequest, found) -> HttpResponse:
    found.refresh_from_db()
    messages.error(request, _("This note was already signed."))
    return _page(request, found, status=409)


@member_required
@require_POST
@shows(Category.CLINICAL_NOTES)
def note_addendum(request: HttpRequest, clinic_slug: str, pk: str) -> HttpResponse:
    found = access_note(request, pk, permission="records.view_note")
    form = AddendumForm(request.POST, uses_code=uses_code(request.user))
    if not request.user.has_perm("records.amend_note", found):
        form.is_valid()
        form.add_error(None, _("Only the author adds addenda, and only to a signed note."))
        return _page(request, found, status=409 if found.status == "draft" else 403, addendum_form=form)
    if form.is_valid():
        try:
            check_signer(request.user, form.cleaned_data["secret"])
            amendments.add_addendum(
                found,
                author=request.member.membership,
                by=request.user,
                reason=form.cleaned_data["reason"],
                text=form.cleaned_data["text"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Addendum signed and added."))
            return redirect(records_url(request, "note", pk=found.pk))
    return _page(request, found, status=400, addendum_form=form)


@member_required
@require_POST
@shows(Category.CLINICAL_NOTES)
def note_error(request: HttpRequest, clinic_slug: str, pk: str) -> HttpResponse:
    found = access_note(request, pk, permission="records.view_note")
    form = EnteredInErrorForm(request.POST)
    if not request.user.has_perm("records.mark_note_in_error", found):
        form.is_valid()
        form.add_error(None, _("Only the author marks their signed note as entered in error."))
        return _page(request, found, status=409 if found.status == "draft" else 403, error_form=form)
    if form.is_valid():
        try:
            amendments.mark_entered_in_error(found, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Note marked as entered in error. It stays readable."))
            return redirect(records_url(request, "note", pk=found.pk))
    return _page(request, found, status=400, error_form=form)


@member_required
@require_POST
@shows(Category.CLINICAL_NOTES)
def note_cosign(request: HttpRequest, clinic_slug: str, pk: str) -> HttpResponse:
    found = access_note(request, pk, permission="records.view_note")
    form = SignForm(request.POST, uses_code=uses_code(request.user))
    if not request.user.has_perm("records.cosign_note", found):
        form.is_valid()
        form.add_error(None, _("This note does not await your co-signature."))
        return _page(request, found, status=409, cosign_form=form)
    if form.is_valid():
        try:
            check_signer(request.user, form.cleaned_data["secret"])
            amendments.cosign_note(found, by=request.user)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Note co-signed."))
            return redirect(records_url(request, "note", pk=found.pk))
    return _page(request, found, status=400, cosign_form=form)


@member_required
@require_POST
@shows(Category.CLINICAL_NOTES)
def note_share(request: HttpRequest, clinic_slug: str, pk: str) -> HttpResponse:
    """Share a signed note with the patient (their portal shows it, clinician-only fields left out), or
    stop sharing it."""
    found = access_note(request, pk)
    if not request.user.has_perm("records.share_note", found):
        if found.status == "draft":
            messages.error(request, _("Sign the note before sharing it with the patient."))
            return _page(request, found, status=409)
        raise PermissionDenied
    share = request.POST.get("shared", "1") == "1"
    notes.set_shared(found, share)
    messages.success(
        request, _("The patient can now read this note in their portal.") if share else _("No longer shared.")
    )
    return redirect(records_url(request, "note", pk=found.pk))
