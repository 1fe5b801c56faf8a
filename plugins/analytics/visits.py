"""The roll-up of distinct patients: per clinic and patient, the start times of their completed visits
(``PatientVisits``, a ``tstzmultirange``), fed by the ``visits`` metric a module contributes.

A distinct count over a period ("patients seen", "active in the last twelve months") cannot be added up
from daily totals, and counting it from the appointments means reading every visit of the period. Kept
as one row per clinic and patient, every such figure of a report (both periods, each clinic, the age
bands) is one pass over the organization's patient rows whatever the length of the periods and the number
of visits, and stays exact: a row answers "was this patient here between these two instants".
``PatientAllVisits`` keeps each patient's visits at every clinic in one row as well, for reports of all
the clinics, which then need no grouping by patient.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from . import catalog
from .models import VisitHistory
from .sources import CACHE_SECONDS, cache_key, tz_groups

# The live definitions these reproduce (plugins/scheduling/metrics/patients.py): twelve months for
# "active", six months before the period for retention; aware local midnights minus whole days, as there.
ACTIVE_DAYS = 365
RETENTION_DAYS = 182


def feeds(clinic) -> list:
    """The ``visits`` metrics that count at ``clinic``."""
    return [m for m in catalog.all_metrics().values() if m.kind == "visits" and catalog.counts_at(m, clinic)]


def read(clinic, start=None, end=None) -> list[tuple[int, object]]:
    """The completed visits ``(patient_id, start)`` at ``clinic`` in ``[start, end)``, from every feed."""
    found = []
    for metric in feeds(clinic):
        found.extend(metric.compute([clinic.pk], start, end, tz=clinic.tzinfo))
    return found


def _upsert(cursor, clinic, visits) -> None:
    if not visits:
        return
    cursor.execute(
        """
        INSERT INTO analytics_patientvisits (organization_id, clinic_id, patient_id, starts)
        SELECT %s, %s, p, range_agg(tstzrange(s, s, '[]'))
          FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(p, s)
         GROUP BY p
        ON CONFLICT (organization_id, clinic_id, patient_id)
        DO UPDATE SET starts = analytics_patientvisits.starts + EXCLUDED.starts
        """,
        [
            clinic.organization_id,
            clinic.pk,
            [p for p, _s in visits],
            [s for _p, s in visits],
        ],
    )


def replace_span(clinic, start, end, visits) -> None:
    """Swap the visits of ``[start, end)`` at ``clinic`` for ``visits`` (call inside a transaction).
    Most recomputed days have not changed: those are compared and left alone, so the rows are rewritten
    (and leave dead versions for vacuum) only when a visit was added, moved or cancelled."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT patient_id, lower(point)
              FROM analytics_patientvisits,
                   unnest(starts * tstzmultirange(tstzrange(%s, %s))) AS point
             WHERE organization_id = %s AND clinic_id = %s AND starts && tstzrange(%s, %s)
            """,
            [start, end, clinic.organization_id, clinic.pk, start, end],
        )
        stored = set(cursor.fetchall())
        if stored == set(visits):
            return
        cursor.execute(
            """
            UPDATE analytics_patientvisits
               SET starts = starts - tstzmultirange(tstzrange(%s, %s))
             WHERE organization_id = %s AND clinic_id = %s AND starts && tstzrange(%s, %s)
            """,
            [start, end, clinic.organization_id, clinic.pk, start, end],
        )
        _upsert(cursor, clinic, visits)
        _rebuild_all(cursor, clinic.organization_id, {p for p, _s in stored} | {p for p, _s in visits})


def _rebuild_all(cursor, organization_id: int, patient_ids) -> None:
    """Rebuild these patients' ``PatientAllVisits`` rows from their clinic rows.

    Two clinics of an organization may be recomputed at once (two workers, ``analytics_rollup --jobs``),
    and a patient of both is rebuilt by each from the clinic rows it can see. The rebuilds take turns
    (an advisory lock per organization, held until commit) and each reads after the lock, so the later one
    sees the earlier one's committed clinic rows and a patient's row never misses a clinic."""
    cursor.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended('analytics.patientallvisits:' || %s, 0))",
        [organization_id],
    )
    cursor.execute(
        """
        INSERT INTO analytics_patientallvisits (organization_id, patient_id, starts)
        SELECT %s, p.id,
               coalesce((SELECT range_agg(point)
                           FROM analytics_patientvisits v, unnest(v.starts) AS point
                          WHERE v.organization_id = %s AND v.patient_id = p.id), '{}'::tstzmultirange)
          FROM unnest(%s::bigint[]) AS p(id)
        ON CONFLICT (organization_id, patient_id) DO UPDATE SET starts = EXCLUDED.starts
        """,
        [organization_id, organization_id, sorted(patient_ids)],
    )


def fill(clinic) -> int:
    """Fill ``clinic``'s rows from its whole history (once; the day recomputes keep them current). Counts
    as filled as of the moment reading began, like a day."""
    from django.db import transaction

    started = timezone.now()
    visits = read(clinic)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM analytics_patientvisits WHERE organization_id = %s AND clinic_id = %s "
                "RETURNING patient_id",
                [clinic.organization_id, clinic.pk],
            )
            replaced = {row[0] for row in cursor.fetchall()}
            _upsert(cursor, clinic, visits)
            # Only this clinic's patients can have changed (the organization's thousands of others not).
            _rebuild_all(cursor, clinic.organization_id, replaced | {p for p, _s in visits})
        VisitHistory.objects.update_or_create(
            organization_id=clinic.organization_id, clinic=clinic, defaults={"filled_at": started}
        )
    return len(visits)


def filled(organization_id: int) -> dict:
    """When each of the organization's clinics had its visits filled from its history (filled ones only):
    every clinic's, since "returning patients" look at the visits of them all."""
    rows = VisitHistory.objects.filter(organization_id=organization_id)
    return dict(rows.values_list("clinic_id", "filled_at"))


# --- reading ----------------------------------------------------------------------------------------------

# One pass over the organization's rows: each row's overlaps with the six windows (this period and the
# one before; twelve months up to each end; six months before each start) become booleans, so the
# per-patient and per-clinic counts never look at the visit sets again. A patient's date of birth comes
# with the row (a hash join; probing the patients one by one costs more), and the age in whole years is
# the difference of the two dates written as YYYYMMDD numbers, divided by 10,000.
_FIGURES_SQL = """
WITH flags AS MATERIALIZED (
    SELECT v.clinic_id, v.patient_id, v.clinic_id = ANY(%(ids)s) AS here, lower(v.starts) AS first,
           to_char(pt.date_of_birth, 'YYYYMMDD')::integer AS born,
           v.starts && tstzrange(%(s)s, %(e)s) AS seen,
           v.starts && tstzrange(%(ps)s, %(pe)s) AS seen_prev,
           v.starts && tstzrange(%(a)s, %(e)s) AS active,
           v.starts && tstzrange(%(pa)s, %(pe)s) AS active_prev,
           v.starts && tstzrange(%(r)s, %(s)s) AS earlier,
           v.starts && tstzrange(%(pr)s, %(ps)s) AS earlier_prev
      FROM analytics_patientvisits v JOIN patients_patient pt ON pt.id = v.patient_id
     WHERE v.organization_id = %(org)s AND pt.organization_id = %(org)s
), per_patient AS MATERIALIZED (
    SELECT patient_id, min(first) AS first, min(born) AS born,
           bool_or(here AND seen) AS seen, bool_or(here AND seen_prev) AS seen_prev,
           bool_or(here AND active) AS active, bool_or(here AND active_prev) AS active_prev,
           bool_or(here AND earlier) AS earlier, bool_or(here AND earlier_prev) AS earlier_prev
      FROM flags
     GROUP BY patient_id
)
SELECT 'total', NULL::bigint,
       count(*) FILTER (WHERE seen), count(*) FILTER (WHERE seen_prev),
       count(*) FILTER (WHERE seen AND first < %(s)s), count(*) FILTER (WHERE seen_prev AND first < %(ps)s),
       count(*) FILTER (WHERE active), count(*) FILTER (WHERE active_prev),
       count(*) FILTER (WHERE earlier), count(*) FILTER (WHERE earlier AND seen),
       count(*) FILTER (WHERE earlier_prev), count(*) FILTER (WHERE earlier_prev AND seen_prev)
  FROM per_patient
UNION ALL
SELECT 'clinic', f.clinic_id,
       count(*) FILTER (WHERE f.seen), 0,
       count(*) FILTER (WHERE f.seen AND p.first < %(s)s), 0,
       count(*) FILTER (WHERE f.active), 0, 0, 0, 0, 0
  FROM flags f JOIN per_patient p USING (patient_id)
 WHERE f.here AND (f.seen OR f.active)
 GROUP BY f.clinic_id
UNION ALL
SELECT 'age', floor((%(on_number)s - born) / 10000.0)::bigint, count(*), 0, 0, 0, 0, 0, 0, 0, 0, 0
  FROM per_patient
 WHERE seen
 GROUP BY 2
"""


# When a report covers every clinic with visit rows, a patient's visits anywhere are one row: the totals
# need no grouping by patient, and each clinic's figures join their rows to it for the first visit.
_EVERYWHERE_SQL = """
SELECT 'total', NULL::bigint,
       count(*) FILTER (WHERE starts && tstzrange(%(s)s, %(e)s)),
       count(*) FILTER (WHERE starts && tstzrange(%(ps)s, %(pe)s)),
       count(*) FILTER (WHERE starts && tstzrange(%(s)s, %(e)s) AND lower(starts) < %(s)s),
       count(*) FILTER (WHERE starts && tstzrange(%(ps)s, %(pe)s) AND lower(starts) < %(ps)s),
       count(*) FILTER (WHERE starts && tstzrange(%(a)s, %(e)s)),
       count(*) FILTER (WHERE starts && tstzrange(%(pa)s, %(pe)s)),
       count(*) FILTER (WHERE starts && tstzrange(%(r)s, %(s)s)),
       count(*) FILTER (WHERE starts && tstzrange(%(r)s, %(s)s) AND starts && tstzrange(%(s)s, %(e)s)),
       count(*) FILTER (WHERE starts && tstzrange(%(pr)s, %(ps)s)),
       count(*) FILTER (WHERE starts && tstzrange(%(pr)s, %(ps)s) AND starts && tstzrange(%(ps)s, %(pe)s))
  FROM analytics_patientallvisits
 WHERE organization_id = %(org)s
UNION ALL
SELECT 'clinic', v.clinic_id,
       count(*) FILTER (WHERE v.starts && tstzrange(%(s)s, %(e)s)), 0,
       count(*) FILTER (WHERE v.starts && tstzrange(%(s)s, %(e)s) AND lower(a.starts) < %(s)s), 0,
       count(*) FILTER (WHERE v.starts && tstzrange(%(a)s, %(e)s)), 0, 0, 0, 0, 0
  FROM analytics_patientvisits v
  JOIN analytics_patientallvisits a ON a.organization_id = v.organization_id AND a.patient_id = v.patient_id
 WHERE v.organization_id = %(org)s AND v.clinic_id = ANY(%(ids)s)
 GROUP BY v.clinic_id
UNION ALL
SELECT 'age', floor((%(on_number)s - to_char(pt.date_of_birth, 'YYYYMMDD')::integer) / 10000.0)::bigint,
       count(*), 0, 0, 0, 0, 0, 0, 0, 0, 0
  FROM analytics_patientallvisits a JOIN patients_patient pt ON pt.id = a.patient_id
 WHERE a.organization_id = %(org)s AND pt.organization_id = %(org)s AND a.starts && tstzrange(%(s)s, %(e)s)
 GROUP BY 2
"""


def _retention(came_back: int, total: int) -> Decimal:
    if not total:
        return Decimal("0")
    return (Decimal(came_back) * 100 / Decimal(total)).quantize(Decimal("0.1"))


class VisitFigures:
    """Every distinct-patient figure of a report from ``PatientVisits``: for each time zone's clinics one
    query gives both periods' totals, each clinic's figures and the age bands."""

    def __init__(self, organization_id: int, period, previous, version=None, everywhere=frozenset()):
        self.organization_id, self.period, self.previous = organization_id, period, previous
        self.version = version
        # The clinics that have visit rows: a group of exactly these reads PatientAllVisits.
        self.everywhere = frozenset(everywhere)
        self._groups: dict[tuple, dict] = {}
        self._where: dict[int, tuple[list, dict]] = {}

    def _group(self, tz, ids: list[int]) -> dict:
        key = (str(tz), tuple(sorted(ids)))
        if key in self._groups:
            return self._groups[key]
        shared = None
        if self.version is not None:
            shared = cache_key("visits", self.organization_id, key, self.period, self.previous, self.version)
            cached = cache.get(shared)
            if cached is not None:
                self._groups[key] = cached
                return cached
        s, e = self.period.bounds(tz)
        ps, pe = self.previous.bounds(tz)
        params = {
            "org": self.organization_id,
            "ids": list(ids),
            "s": s,
            "e": e,
            "ps": ps,
            "pe": pe,
            "a": e - timedelta(days=ACTIVE_DAYS),
            "pa": pe - timedelta(days=ACTIVE_DAYS),
            "r": s - timedelta(days=RETENTION_DAYS),
            "pr": ps - timedelta(days=RETENTION_DAYS),
            "on_number": self.period.last.year * 10000 + self.period.last.month * 100 + self.period.last.day,
        }
        result = {"total": None, "clinic": {}, "age": {}}
        with connection.cursor() as cursor:
            sql = _EVERYWHERE_SQL if self.everywhere and set(ids) == self.everywhere else _FIGURES_SQL
            cursor.execute(sql, params)
            for kind, key_, *values in cursor.fetchall():
                if kind == "total":
                    result["total"] = values
                elif kind == "clinic":
                    result["clinic"][key_] = values
                else:
                    result["age"][None if key_ is None else int(key_)] = values[0]
        self._groups[key] = result
        if shared is not None:
            cache.set(shared, result, CACHE_SECONDS)
        return result

    def _values(self, clinics) -> list[tuple[object, list[int], list]]:
        out = []
        for tz, ids in tz_groups(clinics):
            out.append((tz, ids, self._group(tz, ids)["total"]))
        return out

    def total(self, metric, clinics, period) -> Decimal:
        current = period == self.period
        if not current and period != self.previous:
            raise ValueError("the visit figures were read for another period")
        figure = metric.from_visits
        value = Decimal(0)
        for _tz, _ids, v in self._values(clinics):
            seen, seen_prev, ret, ret_prev, active, active_prev, base, back, base_prev, back_prev = v
            if figure == "seen":
                value += seen if current else seen_prev
            elif figure == "returning":
                value += ret if current else ret_prev
            elif figure == "active":
                value += active if current else active_prev
            elif figure == "retention":
                value += _retention(back, base) if current else _retention(back_prev, base_prev)
            else:
                raise ValueError(f"unknown visit figure {figure!r}")
        return value

    def _clinic_groups(self, clinics) -> dict:
        """Each clinic's (time zone, group ids) among ``clinics``, worked out once per list: a table by
        clinic asks for every row, which grouped the whole list again each time."""
        if id(clinics) not in self._where:  # the list is kept with its map, so its id is not reused
            where = {pk: (tz, ids) for tz, ids in tz_groups(clinics) for pk in ids}
            self._where[id(clinics)] = (clinics, where)
        return self._where[id(clinics)][1]

    def clinic_total(self, metric, clinic, group_clinics) -> Decimal | None:
        """``metric`` at one clinic this period, read with the rest of its group (no query of its own)."""
        found = self._clinic_groups(group_clinics).get(clinic.pk)
        if found is None:
            return None
        values = self._group(*found)["clinic"].get(clinic.pk)
        seen, _z1, ret, _z2, active = (values or [0, 0, 0, 0, 0])[:5]
        return Decimal({"seen": seen, "returning": ret, "active": active}[metric.from_visits])

    def breakdown(self, metric, name, clinics, period) -> dict[str, tuple[str, Decimal]]:
        if period != self.period or metric.from_visits != "seen" or metric.regroup is None:
            raise ValueError("the visit figures break down patients seen this period only")
        rows: dict[str, list] = {}
        for tz, ids in tz_groups(clinics):
            counts: dict = defaultdict(int)
            for age, n in self._group(tz, ids)["age"].items():
                counts[age if age is None or age >= 0 else None] += n
            for key, label, value in metric.regroup(name, dict(counts)):
                entry = rows.setdefault(str(key), [label, Decimal(0)])
                entry[1] += Decimal(value)
        return {key: (label, value) for key, (label, value) in rows.items()}
