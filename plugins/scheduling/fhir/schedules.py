"""Schedule (a practitioner's diary) and Slot (the free times the availability engine computes).

Slots are not stored: each search asks the same engine the portal's booking page asks, so a Slot marked
free here is bookable there. A slot's id names the service, the practitioner and the start, so reading
``Slot/<id>`` later answers it only while it is still free.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from core.fhir.outcome import FhirError, NotFound
from core.fhir.providers import ModelProvider, ResourceProvider, SearchParam, SearchResult, reference
from core.fhir.search import date_range, one_of, reference_id, token
from core.tenancy.models import Membership

from ..models import Service, ServicePractitioner, WorkingHours
from ..selectors import load_inputs, offering_practitioner_ids, slots_from_inputs
from .coding import service_concept

# The most days one Slot search covers; a client pages through longer stretches by date.
MAX_SLOT_DAYS = 31
DEFAULT_SLOT_DAYS = 7


class ScheduleProvider(ModelProvider):
    """One Schedule per member who has working hours at a reachable clinic: ``Schedule/<member id>``."""

    resource_type = "Schedule"
    search_params = (SearchParam("actor", "reference", "The practitioner (Practitioner/<id>)."),)

    def queryset(self, ctx):
        hours = WorkingHours.objects.filter(
            organization_id=ctx.organization.pk,
            membership_id=OuterRef("pk"),
            clinic_id__in=ctx.clinic_ids_with(self.module),
        )
        return (
            Membership.objects.filter(organization_id=ctx.organization.pk, is_active=True)
            .filter(Exists(hours))
            .select_related("user")
        )

    def filter(self, queryset, name, modifier, value, ctx):
        if name == "actor":
            return queryset.filter(pk__in=[reference_id(name, v, "Practitioner") for v in one_of(value)])
        return super().filter(queryset, name, modifier, value, ctx)

    def render_many(self, objects, ctx):
        clinic_ids = ctx.clinic_ids_with(self.module)
        rows = WorkingHours.objects.filter(
            organization_id=ctx.organization.pk,
            membership_id__in=[m.pk for m in objects],
            clinic_id__in=clinic_ids,
        ).values_list("membership_id", "clinic_id")
        # Kept on the request's context, not on the provider: one provider serves every request at once.
        clinics = ctx.extra.setdefault("schedule_clinics", {})
        for member_id, clinic_id in rows:
            clinics.setdefault(member_id, set()).add(clinic_id)
        return [self.render(obj, ctx) for obj in objects]

    def read(self, ctx, resource_id):
        return self.render_many([self.get(ctx, resource_id)], ctx)[0]

    def to_resource(self, member: Membership, ctx) -> dict:
        names = {c.pk: c.name for c in ctx.clinics}
        clinics = sorted(ctx.extra.get("schedule_clinics", {}).get(member.pk, ()))
        return {
            "active": True,
            "actor": [reference("Practitioner", member.pk, member.name)]
            + [reference("Location", pk, names.get(pk)) for pk in clinics],
            "comment": _("Diary of %(name)s") % {"name": member.name},
        }


def slot_id(service_id: int, practitioner_id: int, start: datetime) -> str:
    return f"{service_id}-{practitioner_id}-{int(start.timestamp())}"


class SlotProvider(ResourceProvider):
    resource_type = "Slot"
    search_params = (
        SearchParam("service-type", "token", "Required: the service (its HealthcareService id)."),
        SearchParam("schedule", "reference", "A practitioner's diary (Schedule/<id>)."),
        SearchParam("start", "date", "From (ge) and until (lt); at most 31 days, 7 by default."),
        SearchParam("status", "token", "Only free slots are published: free."),
    )

    def _services(self, ctx):
        services = Service.objects.filter(
            organization_id=ctx.organization.pk, clinic_id__in=ctx.clinic_ids_with(self.module), active=True
        ).select_related("clinic")
        if ctx.is_patient:
            services = services.filter(bookable_online=True)
        return services

    def search(self, ctx, params, count, offset):
        values = {name: [] for name in ("service-type", "schedule", "start", "status")}
        for name, _modifier, value in params.items():
            values[name].append(value)
        if len(values["service-type"]) != 1:
            raise FhirError(_("Searching slots needs one service-type (the service's id)."))
        _system, code = token(values["service-type"][0])
        service = (
            self._services(ctx).filter(pk=int(code)).first() if code.isdigit() and len(code) < 19 else None
        )
        if any(v != "free" for v in values["status"]) or service is None:
            return SearchResult([], 0)
        now = timezone.now()
        start, until = now, None
        for value in values["start"]:
            prefix, low, high = date_range("start", value, service.clinic.tzinfo)
            if prefix in ("ge", "gt", "sa", "eq"):
                start = max(start, low if prefix in ("ge", "eq") else high)
            if prefix in ("lt", "le", "eb", "eq"):
                until = low if prefix in ("lt", "eb") else high
        # With no end asked for, a week from the start.
        until = until or start + timedelta(days=DEFAULT_SLOT_DAYS)
        if until - start > timedelta(days=MAX_SLOT_DAYS):
            raise FhirError(_("Ask for at most %(days)s days of slots at a time.") % {"days": MAX_SLOT_DAYS})
        practitioners = offering_practitioner_ids(service.clinic, service)
        if values["schedule"]:
            wanted = {
                reference_id("schedule", v, "Schedule") for one in values["schedule"] for v in one_of(one)
            }
            practitioners = [pk for pk in practitioners if pk in wanted]
        slots = self._free(ctx, service, practitioners, start, until, now)
        return SearchResult([self._render(*slot, ctx) for slot in slots[offset : offset + count]], len(slots))

    def _free(self, ctx, service, practitioners, start, until, now):
        tz = service.clinic.tzinfo
        if until <= start or not practitioners:
            return []
        inputs = load_inputs(
            service.clinic, service, practitioners, start.astimezone(tz).date(), until.astimezone(tz).date()
        )
        # A patient app sees the clinic's online booking window, as the portal does; members and
        # backend services see every free time from now on.
        found = slots_from_inputs(inputs, now=now if ctx.is_patient else None)
        return [
            (service, pk, slot.start, slot.end)
            for slot in found
            if start <= slot.start < until and slot.start >= now
            for pk in slot.practitioner_ids
        ]

    def read(self, ctx, resource_id):
        parts = str(resource_id).split("-")
        if len(parts) != 3 or not all(p.isdigit() and len(p) < 19 for p in parts):
            raise NotFound
        service = self._services(ctx).filter(pk=int(parts[0])).first()
        if (
            service is None
            or not ServicePractitioner.objects.filter(
                organization_id=ctx.organization.pk, service=service, membership_id=int(parts[1])
            ).exists()
        ):
            raise NotFound
        try:
            start = datetime.fromtimestamp(int(parts[2]), tz=UTC)
        except (OverflowError, ValueError, OSError):
            raise NotFound from None
        slots = self._free(ctx, service, [int(parts[1])], start, start + timedelta(seconds=1), timezone.now())
        if not slots:
            raise NotFound
        return self._render(*slots[0], ctx)

    def _render(self, service, practitioner_id, start, end, ctx) -> dict:
        tz = service.clinic.tzinfo
        return {
            "resourceType": "Slot",
            "id": slot_id(service.pk, practitioner_id, start),
            "serviceType": [service_concept(service)],
            "schedule": reference("Schedule", practitioner_id),
            "status": "free",
            "start": start.astimezone(tz).isoformat(),
            "end": end.astimezone(tz).isoformat(),
        }
