"""Provenance (US Core Provenance), one type served from two kinds of source: who signed each note
(``note_provenance.py``, ids the note's) and each recorded change of the chart's problems, allergies,
medications, vital signs and encounters (``change_provenance.py``, ids ``condition-12``...).

A search walks the sources in a fixed order, so paging neither repeats nor skips; each source costs one
query for its page (and a count only when the page does not already tell how many match), and the
members who signed or changed anything on the page are found in one query for all sources.
"""

from __future__ import annotations

from functools import cached_property

from core.fhir.outcome import NotFound
from core.fhir.providers import (
    ID_PARAM,
    LAST_UPDATED_PARAM,
    ResourceProvider,
    SearchResult,
)
from core.tenancy.models import Membership

from .change_provenance import TARGET_PARAM, ChangeProvenance
from .coding import US_CORE
from .note_provenance import NoteProvenance
from .visibility import PATIENT_PARAM

# The record types whose changes have a Provenance (each answers ``_revinclude=Provenance:target``).
CHANGED_TYPES = ("Condition", "AllergyIntolerance", "MedicationStatement", "Observation", "Encounter")


class ProvenanceProvider(ResourceProvider):
    resource_type = "Provenance"
    profiles = (f"{US_CORE}us-core-provenance",)
    search_params = (PATIENT_PARAM, TARGET_PARAM)
    compartment_param = "patient"

    @cached_property
    def sources(self) -> list:
        found = [NoteProvenance(), *(ChangeProvenance(kind) for kind in CHANGED_TYPES)]
        for source in found:
            source.module = self.module
        return found

    def supported_params(self):
        return (ID_PARAM, LAST_UPDATED_PARAM, *self.search_params)

    def read(self, ctx, resource_id: str) -> dict:
        for source in self.sources:
            if source.id_q(resource_id) is not None:
                return self._render(ctx, [(source, [source.get(ctx, resource_id)])])[0]
        raise NotFound

    def search(self, ctx, params, count: int, offset: int) -> SearchResult:
        pages, total, skip, wanted = [], 0, offset, count
        for source in self.sources:
            rows = source.matching(ctx, params)
            size = None
            if wanted:
                found = list(rows.order_by(*source.ordering)[skip : skip + wanted])
                if found:
                    pages.append((source, found))
                # A short page ends the source: how many match is known without counting.
                if len(found) < wanted and (found or not skip):
                    size = skip + len(found)
                wanted -= len(found)
            if size is None:
                size = rows.count()
            skip = max(0, skip - size)
            total += size
        return SearchResult(self._render(ctx, pages), total)

    def _render(self, ctx, pages: list) -> list[dict]:
        users = set().union(*(source.users_of(rows) for source, rows in pages)) if pages else set()
        members = (
            {
                m.user_id: m
                for m in Membership.objects.filter(
                    organization_id=ctx.organization.pk, user_id__in=users
                ).select_related("user")
            }
            if users
            else {}
        )
        resources = []
        # A Provenance names no patient; the access log learns whose record each one was about here.
        patients = ctx.extra.setdefault("patients_of", {})
        for source, rows in pages:
            for row, resource in zip(rows, source.render_with(rows, ctx, members), strict=True):
                patients[("Provenance", resource["id"])] = row.patient_id
                resources.append(resource)
        return resources
