"""What a report is asked for: the organization's clinics, the period, the filters and the sections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .. import catalog
from ..periods import Period


@dataclass
class Selection:
    organization_id: int
    clinics: list
    period: Period
    practitioner: int | None = None
    service: int | None = None
    sections: tuple[str, ...] = catalog.SECTIONS
    today: date | None = None
    force_live: bool = False

    @property
    def filters(self) -> dict:
        return {k: v for k, v in (("practitioner", self.practitioner), ("service", self.service)) if v}
