"""Break-glass: a practitioner opening the chart of a patient outside their care gives a reason first.

A practitioner has cared for a patient when a module shows it (an appointment with them at one of their
clinics, an encounter they wrote: the ``ehr_care_evidence`` hook) within the organization's
``AccessPolicy.break_glass_months``. Otherwise the chart's roads on office pages raise ``ReasonRequired``
and ``BreakGlassMiddleware`` sends the practitioner to the reason page. A stated reason is a
``BreakGlassAccess`` that opens that chart to them for ``GRANT_HOURS``; the access events of that window are
flagged in the audit viewer and the owners hear of it the next morning (``break_glass_notice``).

Owners are not asked: they run the organization and read the audit log themselves. Front-desk staff never
reach clinical content. The records API and FHIR reads are not guarded (a client cannot answer a question
page); their reads are in the access log like every other.
"""

from __future__ import annotations

from datetime import timedelta
from functools import reduce
from operator import or_

from django.db import transaction
from django.db.models import (
    BooleanField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    Func,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Now
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from .models import AccessPolicy, BreakGlassAccess, default_break_glass_months
from .recording import _channel, current
from .vocabulary import Channel

GRANT_HOURS = 12


class ReasonRequired(Exception):
    """The chart of ``patient_id`` opens to this practitioner only after they give a reason."""

    def __init__(self, patient_id: int):
        super().__init__(patient_id)
        self.patient_id = patient_id


def policy_of(organization_id: int) -> AccessPolicy:
    """The organization's policy (the defaults, unsaved, until the owner changes it)."""
    found = AccessPolicy.objects.filter(organization_id=organization_id).first()
    return found or AccessPolicy(organization_id=organization_id)


def _months(organization_id: int):
    policy = AccessPolicy.objects.filter(organization_id=organization_id).values("break_glass_months")[:1]
    return Coalesce(Subquery(policy), Value(default_break_glass_months()))


def chart_open_to(member, patient_id: int) -> bool:
    """Whether ``member`` (a Membership or a request's MemberContext) may open the chart of patient
    ``patient_id`` without giving a reason.

    One query: the policy's months, any module's evidence of care since then, and an unexpired grant."""
    from core.plugins.manager import registry
    from core.tenancy.models import Organization, Role

    member = getattr(member, "membership", member)  # a request's MemberContext, or the Membership itself
    if member is None or member.role != Role.PRACTITIONER:
        return True
    organization_id = member.organization_id
    months = _months(organization_id)
    since = Func(
        months, template="(now() - make_interval(months => %(expressions)s))", output_field=DateTimeField()
    )
    grants = BreakGlassAccess.objects.filter(
        organization_id=organization_id, actor_id=member.user_id, patient_id=patient_id, until__gt=Now()
    )
    evidence = [
        found
        for found in registry().hook.ehr_care_evidence(member=member, patient_id=patient_id, since=since)
        if found is not None
    ]
    cared = reduce(or_, [Exists(grants), *(Exists(found) for found in evidence)])
    # Organizations are the tenants themselves (not scoped): the row carries the question, nothing else.
    answer = (
        Organization.objects.filter(pk=organization_id)
        .annotate(months=months, cared=ExpressionWrapper(cared, output_field=BooleanField()))
        .values_list("months", "cared")
        .first()
    )
    return answer is None or answer[0] == 0 or answer[1]


def guard_chart(request, patient) -> None:
    """Raise ``ReasonRequired`` when an office page is about to show ``patient``'s chart to a practitioner
    who has not cared for them lately and has given no reason (asked once per request)."""
    if _channel(request) != Channel.OFFICE:
        return
    answers = request.__dict__.setdefault("_ehr_chart_open", {})
    if patient.pk not in answers:
        answers[patient.pk] = chart_open_to(getattr(request, "member", None), patient.pk)
    if not answers[patient.pk]:
        _forget(patient.pk)
        raise ReasonRequired(patient.pk)


def _forget(patient_id: int) -> None:
    """The chart was not shown: drop what the request's roads noted of this patient from the access log."""
    log = current()
    if log is None:
        return
    log.seen.pop(patient_id, None)
    log.explicit = {key: None for key in log.explicit if key[1] != patient_id}


def grant_access(member, patient, reason_kind: str, reason: str) -> BreakGlassAccess:
    """Record the practitioner's reason and open the chart to them for ``GRANT_HOURS``.

    The member's row is locked first, so a double submit finds the grant the first one made instead of
    writing a second."""
    from core.tenancy.models import Membership

    member = getattr(member, "membership", member)
    with transaction.atomic():
        Membership.objects.select_for_update().filter(pk=member.pk).first()
        active = BreakGlassAccess.objects.filter(
            organization_id=member.organization_id,
            actor_id=member.user_id,
            patient_id=patient.pk,
            until__gt=timezone.now(),
        ).first()
        if active is not None:
            return active
        now = timezone.now()
        return BreakGlassAccess.objects.create(
            organization_id=member.organization_id,
            actor_id=member.user_id,
            patient_id=patient.pk,
            reason_kind=reason_kind,
            reason=reason,
            at=now,
            until=now + timedelta(hours=GRANT_HOURS),
        )


def made_under_grant(organization_id: int):
    """Whether an audit entry is an access made under a break-glass grant: by the grant's practitioner, to
    its patient, within its window (what ``flag_rows`` marks), as a filter on ``AuditEntry``.

    Grants are few next to accesses, so the entries are sought from the grants' patients (the entries'
    patient index) rather than by testing every access of the organization against the grants."""
    grants = BreakGlassAccess.objects.filter(organization_id=organization_id)
    within = grants.filter(
        actor_id=OuterRef("actor_id"),
        patient_id=OuterRef("patient_id"),
        at__lte=OuterRef("at"),
        until__gt=OuterRef("at"),
    )
    return Q(kind="access", patient_id__in=grants.values("patient_id")) & Q(Exists(within))


def flag_rows(organization_id: int, rows) -> None:
    """Mark the audit viewer's access rows made under a break-glass grant (one query for the page)."""
    accesses = [r for r in rows if r.entry.kind == "access" and r.entry.actor_id and r.entry.patient_id]
    if not accesses:
        return
    moments = [r.entry.at for r in accesses]
    grants = list(
        BreakGlassAccess.objects.filter(
            organization_id=organization_id,
            actor_id__in={r.entry.actor_id for r in accesses},
            patient_id__in={r.entry.patient_id for r in accesses},
            at__lte=max(moments),
            until__gte=min(moments),
        ).order_by("at")
    )
    for row in accesses:
        for grant in grants:
            if (grant.actor_id, grant.patient_id) == (row.entry.actor_id, row.entry.patient_id) and (
                grant.at <= row.entry.at < grant.until
            ):
                row.break_glass = grant
                break


class BreakGlassMiddleware:
    """Answer ``ReasonRequired`` with the reason page (returning to the page asked for afterwards)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ReasonRequired):
            return None
        back = request.get_full_path() if request.method == "GET" else ""
        url = reverse("office:break_glass", args=[exception.patient_id])
        if back:
            url = f"{url}?{urlencode({'next': back})}"
        if getattr(request, "htmx", False):
            # A tab fetched into the chart: the whole page goes to the question.
            return HttpResponse(status=200, headers={"HX-Redirect": url})
        return redirect(url)
