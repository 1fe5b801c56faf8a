"""Clinical history for the scale dataset, written the way the records module writes it.

A share of completed visits gets an encounter with a signed (locked) SOAP note, and in each organization
the patient with the most visits gets the long history the benchmark opens: ``BUSY_ENCOUNTERS`` encounters
with notes and ``BUSY_VITALS`` measurements. Notes are inserted already signed, with their SHA-256 over
the canonical content and a signature row each (the signed-note trigger guards UPDATE and DELETE, which a
load never does); every row goes through the tables' constraints and audit triggers.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from plugins.records.default_templates import SHIPPED
from plugins.records.models import (
    Allergy,
    Encounter,
    Note,
    NoteSignature,
    NoteTemplate,
    NoteTemplateVersion,
    Vital,
)
from plugins.records.vitals_catalog import KINDS

from .copy import copy_rows, reserve_ids

BUSY_ENCOUNTERS = 700
BUSY_VITALS = 2000
VISIT_SHARE = 0.3  # of completed visits that get an encounter and a note
VITAL_KINDS = ("weight", "systolic", "diastolic", "pulse")


def _canonical_hash(note_id: int, patient_id: int, version_id: int, content: dict) -> str:
    body = {"note": note_id, "patient": patient_id, "template_version": version_id, "content": content}
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()


def _templates(organizations: list[int]) -> dict[int, int]:
    """The shipped templates of each organization; the SOAP version's id per organization."""
    template_ids = iter(reserve_ids(NoteTemplate, len(organizations) * len(SHIPPED)))
    version_ids = iter(reserve_ids(NoteTemplateVersion, len(organizations) * len(SHIPPED)))
    now = timezone.now()
    templates, versions, soap = [], [], {}
    for oid in organizations:
        for key, name, schema in SHIPPED:
            tid, vid = next(template_ids), next(version_ids)
            templates.append((tid, oid, name, key, False, now))
            versions.append((vid, oid, tid, 1, json.dumps(schema), now))
            if key == "soap":
                soap[oid] = vid
    copy_rows(
        NoteTemplate, ["id", "organization", "name", "shipped_key", "archived", "created_at"], templates
    )
    copy_rows(
        NoteTemplateVersion, ["id", "organization", "template", "number", "schema", "created_at"], versions
    )
    return soap


def generate(plan, rng) -> dict:
    organizations = [org["org"] for org in plan]
    soap = _templates(organizations)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.id, a.organization_id, a.clinic_id, a.practitioner_id, m.user_id, a.patient_id, a.start
            FROM scheduling_appointment a JOIN tenancy_membership m ON m.id = a.practitioner_id
            WHERE a.organization_id = ANY(%s) AND a.status = 'completed' ORDER BY a.id
            """,
            [organizations],
        )
        visits = [v for v in cursor.fetchall() if rng.random() < VISIT_SHARE]
        cursor.execute(
            """
            SELECT DISTINCT ON (a.organization_id) a.organization_id, a.patient_id, a.clinic_id,
                   a.practitioner_id, m.user_id
            FROM scheduling_appointment a JOIN tenancy_membership m ON m.id = a.practitioner_id
            WHERE a.organization_id = ANY(%s)
            GROUP BY a.organization_id, a.patient_id, a.clinic_id, a.practitioner_id, m.user_id
            ORDER BY a.organization_id, count(*) DESC, a.patient_id
            """,
            [organizations],
        )
        busiest = cursor.fetchall()
    now = timezone.now()
    # (appointment id or None, organization, clinic, practitioner, user, patient, start)
    encounters = [(v[0], *v[1:]) for v in visits]
    for oid, patient, clinic, practitioner, user in busiest:
        for n in range(BUSY_ENCOUNTERS):
            encounters.append(
                (None, oid, clinic, practitioner, user, patient, now - timedelta(hours=12 * (n + 1)))
            )
    encounter_ids = iter(reserve_ids(Encounter, len(encounters)))
    note_ids = iter(reserve_ids(Note, len(encounters)))
    encounter_rows, note_rows, signature_rows = [], [], []
    for appointment, oid, clinic, practitioner, user, patient, start in encounters:
        eid, nid = next(encounter_ids), next(note_ids)
        kind = "appointment" if appointment else "phone"
        encounter_rows.append(
            (eid, oid, clinic, patient, practitioner, kind, appointment, "Visit", start, user, start)
        )
        content = {
            "complaint": rng.choice(["Back pain", "Headache", "Neck stiffness", "Knee pain", "Review"]),
            "assessment": "Improving with treatment.",
            "plan": "Continue exercises, review in two weeks.",
        }
        digest = _canonical_hash(nid, patient, soap[oid], content)
        signed = start + timedelta(minutes=40)
        note_rows.append(
            (
                nid,
                oid,
                eid,
                clinic,
                patient,
                practitioner,
                soap[oid],
                json.dumps(content),
                "locked",
                "clinical",
                user,
                signed,
                digest,
                signed,
                start,
                signed,
            )
        )
        signature_rows.append((oid, nid, "author", user, signed, digest))
    copy_rows(
        Encounter,
        [
            "id",
            "organization",
            "clinic",
            "patient",
            "practitioner",
            "kind",
            "appointment_id",
            "reason",
            "started_at",
            "created_by",
            "created_at",
        ],
        encounter_rows,
    )
    copy_rows(
        Note,
        [
            "id",
            "organization",
            "encounter",
            "clinic",
            "patient",
            "author",
            "template_version",
            "content",
            "status",
            "privacy",
            "signed_by",
            "signed_at",
            "content_sha256",
            "locked_at",
            "created_at",
            "updated_at",
        ],
        note_rows,
    )
    copy_rows(
        NoteSignature,
        ["organization", "note", "meaning", "signer", "signed_at", "content_sha256"],
        signature_rows,
    )
    vitals, allergies = [], []
    for oid, patient, clinic, _practitioner, user in busiest:
        for n in range(BUSY_VITALS):
            kind = VITAL_KINDS[n % len(VITAL_KINDS)]
            value = {
                "weight": Decimal("80") + Decimal(rng.randint(-30, 30)) / 10,
                "systolic": Decimal(rng.randint(110, 150)),
                "diastolic": Decimal(rng.randint(65, 95)),
                "pulse": Decimal(rng.randint(55, 95)),
            }[kind]
            at = now - timedelta(hours=3 * (n // len(VITAL_KINDS) + 1))
            vitals.append(
                (oid, patient, clinic, user, kind, KINDS[kind].loinc, value, KINDS[kind].unit, at, at, at)
            )
        allergies.append((oid, patient, clinic, user, "Penicillin", "Hives", "moderate", now, now))
    copy_rows(
        Vital,
        [
            "organization",
            "patient",
            "clinic",
            "recorded_by",
            "kind",
            "loinc_code",
            "value",
            "unit",
            "measured_at",
            "created_at",
            "updated_at",
        ],
        vitals,
    )
    copy_rows(
        Allergy,
        [
            "organization",
            "patient",
            "clinic",
            "recorded_by",
            "substance",
            "reaction",
            "severity",
            "created_at",
            "updated_at",
        ],
        allergies,
    )
    return {"encounters": len(encounter_rows), "notes": len(note_rows), "vitals": len(vitals)}
