"""Who may read and write clinical records (docs/permissions.md, "Clinical records").

Clinical content is for clinicians: the owner reads every chart and practitioners the charts of patients
seen at their clinics; both write. Staff at the front desk never read clinical content: they see that a
patient has allergies (the red flag in the chart header), nothing more, and every clinical page and API
operation answers them the same 404 as a record of another organization.

A note's privacy narrows who of those may read it: every clinician, practitioners only, or its author only.
Only the author edits a draft, signs it, amends it or marks it entered in error; a co-signature comes
from another clinician.
"""

from __future__ import annotations

import rules

from core.tenancy.predicates import context_for, is_owner, is_practitioner, works_at_object_clinic

from .models import NoteStatus, Privacy

practitioner_here = is_practitioner & works_at_object_clinic
# On a clinic or a patient (a patient is "here" when seen at one of the member's clinics).
is_clinician_here = is_owner | practitioner_here


@rules.predicate
def is_author(user, note) -> bool:
    ctx = context_for(user, note)
    return bool(ctx and note.author_id == ctx.membership.pk)


@rules.predicate
def reads_the_patients_chart(user, record) -> bool:
    """A note or list entry is readable where its patient's chart is (across the patient's clinics)."""
    return is_clinician_here(user, record.patient)


@rules.predicate
def privacy_allows(user, note) -> bool:
    if note.privacy == Privacy.CLINICAL:
        return True
    if note.privacy == Privacy.PRACTITIONERS:
        return is_practitioner(user, note) or is_author(user, note)
    return is_author(user, note)


@rules.predicate
def is_draft(user, note) -> bool:
    return note.status == NoteStatus.DRAFT


@rules.predicate
def is_signed(user, note) -> bool:
    return note.status != NoteStatus.DRAFT


@rules.predicate
def awaits_cosign(user, note) -> bool:
    return note.status != NoteStatus.DRAFT and note.cosign_required and note.cosigned_at is None


can_view_note = reads_the_patients_chart & privacy_allows
can_write_own_note = can_view_note & is_author

PERMISSIONS = {
    "records.view_chart": is_clinician_here,
    "records.write_chart": is_clinician_here,
    "records.view_note": can_view_note,
    "records.edit_note": can_write_own_note & is_draft,
    "records.sign_note": can_write_own_note & is_draft,
    "records.amend_note": can_write_own_note & is_signed,
    "records.mark_note_in_error": can_write_own_note & is_signed,
    "records.cosign_note": can_view_note & ~is_author & awaits_cosign,
    "records.share_note": can_write_own_note & is_signed,
    "records.view_list_entry": reads_the_patients_chart,
    "records.manage_templates": is_owner,
    "records.manage_settings": is_owner,
}
