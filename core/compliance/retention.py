"""What the law lets go of a patient's data today: every class of record the modules hold, weighed
against the retention period of the organization's country pack."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.patients.models import Patient
from core.plugins.manager import registry
from core.plugins.types import HeldRecords

from .packs import RECORD_CLASSES, CompliancePack

ERASE = "erase"
KEEP = "keep"


@dataclass(frozen=True)
class ClassDecision:
    record_class: str
    count: int
    last_activity: date | None
    action: str  # ERASE or KEEP
    law: str = ""
    kept_until: date | None = None

    @property
    def label(self) -> str:
        return str(RECORD_CLASSES.get(self.record_class, self.record_class))

    def as_json(self) -> dict:
        return {
            "record_class": self.record_class,
            "count": self.count,
            "last_activity": self.last_activity.isoformat() if self.last_activity else None,
            "action": self.action,
            "law": self.law,
            "kept_until": self.kept_until.isoformat() if self.kept_until else None,
        }


def records_held(organization, patient: Patient) -> list[HeldRecords]:
    """Core's own part (the patient's contact details) and every installed module's part."""
    contact = HeldRecords(
        record_class="contact",
        label=str(RECORD_CLASSES["contact"]),
        count=1,
        last_activity=patient.updated_at.date(),
    )
    held = [contact]
    for contributed in registry().hook.ehr_patient_records_held(organization=organization, patient=patient):
        held.extend(contributed or [])
    return held


def decide(pack: CompliancePack, held: list[HeldRecords], today: date) -> list[ClassDecision]:
    """One decision per class of record: kept while its latest entry is within the pack's retention
    period (with the law and the date it may go), erased otherwise. A class the pack gives no period
    is kept: the law of that country has not been written down, so nothing is assumed."""
    by_class: dict[str, list[HeldRecords]] = {}
    for entry in held:
        if entry.count:
            by_class.setdefault(entry.record_class, []).append(entry)
    decisions = []
    for record_class in sorted(
        by_class, key=lambda c: list(RECORD_CLASSES).index(c) if c in RECORD_CLASSES else 99
    ):
        entries = by_class[record_class]
        count = sum(e.count for e in entries)
        dates = [e.last_activity for e in entries if e.last_activity]
        last = max(dates) if dates else None
        rule = pack.retention.get(record_class)
        if rule is None:
            decisions.append(ClassDecision(record_class, count, last, KEEP, law=""))
            continue
        until = rule.kept_until(last) if (last and rule.years) else None
        if until and today < until:
            decisions.append(ClassDecision(record_class, count, last, KEEP, law=rule.law, kept_until=until))
        else:
            decisions.append(ClassDecision(record_class, count, last, ERASE, law=rule.law))
    return decisions
