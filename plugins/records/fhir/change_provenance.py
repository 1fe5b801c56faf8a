"""Provenance of the chart's records from their change history: one Provenance per recorded change of a
problem (Condition), an allergy (AllergyIntolerance), a medication (MedicationStatement), a vital sign
(Observation) or an encounter (Encounter), as django-pghistory keeps it. Nothing is stored twice: the
history is what the product keeps anyway.

Each says what changed (``target``), when (``recorded``), how (``activity``: CREATE for the first
version, UPDATE for each later one) and who: the member who recorded that version, as a Practitioner on
behalf of the organization; where the history names nobody (a change made by the system, or by someone
no longer on the team) the organization itself. Its id is the record type and the change's number
(``condition-12``). A change is read wherever the record it changed is: the same chart rules, clinic
switches and, for a patient app, nothing entered in error.
"""

from __future__ import annotations

from django.db.models import Q

from core.fhir.providers import ModelProvider, SearchParam, reference
from core.fhir.search import one_of, reference_id

from .coding import US_CORE, terminology
from .targets import target_ids
from .visibility import PATIENT_PARAM, clinic_time

DATA_OPERATION = "v3-DataOperation"
ACTIVITY = {
    "insert": terminology(DATA_OPERATION, "CREATE", "create"),
    "update": terminology(DATA_OPERATION, "UPDATE", "revise"),
}
AUTHOR = terminology("provenance-participant-type", "author", "Author")
TARGET_PARAM = SearchParam(
    "target",
    "reference",
    "What the Provenance is about: DocumentReference/<id> (a signed note), Condition/<id>, "
    "AllergyIntolerance/<id>, MedicationStatement/<id>, Observation/<id> or Encounter/<id>.",
)


class ChangeProvenance(ModelProvider):
    """The Provenance of one record type's changes (one source of the Provenance type)."""

    resource_type = "Provenance"
    profiles = (f"{US_CORE}us-core-provenance",)
    updated_field = "pgh_created_at"
    ordering = ("pgh_id",)
    search_params = (PATIENT_PARAM, TARGET_PARAM)

    def __init__(self, target_type: str):
        self.target_type = target_type
        self.prefix = f"{target_type.lower()}-"

    def target(self):
        from core.fhir.registry import providers

        return providers()[self.target_type]

    def queryset(self, ctx):
        target = self.target()
        events = target.model.pgh_event_model.objects
        if not ctx.grants.allows(self.target_type, "search-type"):
            return events.none()  # the credential may not read the records themselves
        rows = events.filter(
            organization_id=ctx.organization.pk,
            pgh_label__in=list(ACTIVITY),
            pgh_obj_id__in=target.queryset(ctx).values("pk"),
        )
        return rows.select_related("clinic", "pgh_context")

    def id_of(self, event) -> str:
        return f"{self.prefix}{event.pgh_id}"

    def id_q(self, text: str) -> Q | None:
        number = text[len(self.prefix) :] if text.startswith(self.prefix) else ""
        if not number.isdigit() or len(number) > 18:
            return None
        return Q(pgh_id=int(number))

    def filter(self, queryset, name, modifier, value, ctx):
        if name == "patient":
            return queryset.filter(patient_id__in=[reference_id(name, v, "Patient") for v in one_of(value)])
        if name == "target":
            return queryset.filter(pgh_obj_id__in=target_ids(name, value, self.target_type))
        return super().filter(queryset, name, modifier, value, ctx)

    def changed_by(self, event) -> int | None:
        """The user who made this change: a list entry names who recorded each version; an encounter
        its creator, and for later changes the user of the request that made them."""
        recorded_by = getattr(event, "recorded_by_id", None)
        if recorded_by is not None:
            return recorded_by
        if event.pgh_label == "insert":
            return getattr(event, "created_by_id", None)
        context = event.pgh_context.metadata if event.pgh_context_id and event.pgh_context else {}
        user = context.get("user")
        return int(user) if isinstance(user, int | str) and str(user).isdigit() else None

    def users_of(self, events) -> set[int]:
        return {user for user in map(self.changed_by, events) if user is not None}

    def render_with(self, events, ctx, members: dict) -> list[dict]:
        for event in events:
            event.member = members.get(self.changed_by(event))
        return [self.render(event, ctx) for event in events]

    def to_resource(self, event, ctx) -> dict:
        organization = reference("Organization", ctx.organization.pk, ctx.organization.name)
        member = event.member
        agent = {"type": AUTHOR, "who": organization}
        if member is not None:
            agent["who"] = reference("Practitioner", member.pk, member.name)
            agent["onBehalfOf"] = organization
        return {
            "target": [{"reference": f"{self.target_type}/{event.pgh_obj_id}"}],
            "recorded": clinic_time(event.pgh_created_at, event.clinic),
            "activity": ACTIVITY[event.pgh_label],
            "agent": [agent],
        }
