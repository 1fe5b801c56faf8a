"""The signed notes' Provenance (US Core Provenance): who signed a note and when: the author's signature,
a supervisor's co-signature and each signed addendum, one Provenance per note (its id is the note's)
targeting the note's DocumentReference. It is read wherever that DocumentReference is. One of the
sources ``provenance.py`` serves Provenance from.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from core.fhir.providers import SearchParam, reference

from ..models import Addendum, Note, NoteSignature
from .coding import US_CORE, terminology
from .documents import SignedNoteDocuments
from .files import FILE_PREFIX
from .targets import target_ids
from .visibility import PATIENT_PARAM, clinic_time

SIGNATURE_TYPES = "urn:iso-astm:E1762-95:2013"
AUTHOR_SIGNATURE = {
    "system": SIGNATURE_TYPES,
    "code": "1.2.840.10065.1.12.1.1",
    "display": "Author's Signature",
}
COSIGNATURE = {
    "system": SIGNATURE_TYPES,
    "code": "1.2.840.10065.1.12.1.5",
    "display": "Verification Signature",
}
AGENT_TYPE = {
    "author": terminology("provenance-participant-type", "author", "Author"),
    "cosign": terminology("provenance-participant-type", "verifier", "Verifier"),
}


class NoteProvenance(SignedNoteDocuments):
    resource_type = "Provenance"
    profiles = (f"{US_CORE}us-core-provenance",)
    search_params = (
        PATIENT_PARAM,
        SearchParam("target", "reference", "The signed note (DocumentReference/<id>)."),
    )

    def with_related(self, rows, ctx):
        return (
            super()
            .with_related(rows, ctx)
            .prefetch_related(
                Prefetch("signatures", queryset=NoteSignature.objects.order_by("signed_at", "id")),
                Prefetch(
                    "addenda",
                    queryset=Addendum.objects.select_related("author__user").order_by("signed_at", "id"),
                ),
            )
        )

    def filter(self, queryset, name, modifier, value, ctx):
        if name == "target":
            # A bare id names a note, as it always has; an uploaded file's DocumentReference
            # (``file-<id>``) has no Provenance: it matches nothing.
            notes = target_ids(name, value, "DocumentReference", bare=True, skip_prefix=FILE_PREFIX)
            return queryset.filter(pk__in=notes)
        return super().filter(queryset, name, modifier, value, ctx)

    def users_of(self, notes) -> set[int]:
        return {s.signer_id for note in notes for s in note.signatures.all()}

    def render_with(self, notes, ctx, members: dict) -> list[dict]:
        """Signers are users; ``members`` is the Practitioner each one is here, found for the page."""
        for note in notes:
            note.signers = members
        return [self.render(note, ctx) for note in notes]

    def to_resource(self, note: Note, ctx) -> dict:
        clinic = note.clinic
        organization = reference("Organization", ctx.organization.pk, ctx.organization.name)
        agents, signatures = [], []
        for signature in note.signatures.all():
            member = note.signers.get(signature.signer_id)
            # A signer is a member when signing; one who left still signed, though no longer listed.
            who = (
                reference("Practitioner", member.pk, member.name)
                if member is not None
                else {"display": _("Former team member")}
            )
            agents.append({"type": AGENT_TYPE[signature.meaning], "who": who, "onBehalfOf": organization})
            signatures.append(
                {
                    "type": [AUTHOR_SIGNATURE if signature.meaning == "author" else COSIGNATURE],
                    "when": clinic_time(signature.signed_at, clinic),
                    "who": who,
                }
            )
        for addendum in note.addenda.all():
            who = reference("Practitioner", addendum.author_id, addendum.author.name)
            signatures.append(
                {"type": [AUTHOR_SIGNATURE], "when": clinic_time(addendum.signed_at, clinic), "who": who}
            )
            if not any(a["who"].get("reference") == who["reference"] for a in agents):
                agents.append({"type": AGENT_TYPE["author"], "who": who, "onBehalfOf": organization})
        return {
            "target": [{"reference": f"DocumentReference/{note.pk}"}],
            "recorded": clinic_time(note.signed_at, clinic),
            "activity": terminology("v3-DocumentCompletion", "LA", "legally authenticated"),
            "agent": agents,
            "signature": signatures,
        }
