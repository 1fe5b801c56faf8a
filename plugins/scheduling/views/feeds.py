"""The practitioner's private calendar feed: the public ``.ics`` address and the back-office page where a
practitioner creates, replaces or turns off their own address (owners may turn off anyone's)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_scopes import scope

from core.office.decorators import member_required
from core.tenancy.access import check_perm
from core.tenancy.models import Membership

from .. import feeds, ics
from ..access import access_calendar_feed
from ..models import CalendarFeed


@require_GET
def public_feed(request, secret):
    """``/public/scheduling/feed/<secret>.ics``: unknown or revoked secrets, and practitioners at no clinic
    with scheduling on, answer 404."""
    feed = feeds.feed_for_secret(secret)
    if feed is None:
        raise Http404
    with scope(organization=feed.organization_id):
        clinic_ids = feeds.scheduling_clinic_ids(feed.organization_id)
        if not clinic_ids:
            raise Http404
        appointments = feeds.feed_appointments(feed, clinic_ids)
        name = f"{feed.membership.name} – {feed.membership.organization.name}"
        body = ics.calendar(name, appointments, stamp=timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _feed_url(request, secret: str) -> str:
    return request.build_absolute_uri(reverse("public_scheduling:feed", kwargs={"secret": secret}))


@member_required
def calendar_feed(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "scheduling.use_calendar_feed", clinic)
    membership: Membership = request.member.membership
    new_url = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            _feed, secret = feeds.create_or_rotate(membership)
            new_url = _feed_url(request, secret)
            messages.success(request, _("Your calendar address is ready. Copy it now: it is shown once."))
        elif action == "revoke":
            current = feeds.live_feed(membership)
            if current is not None:
                feeds.revoke(current)
            messages.success(request, _("Your calendar address no longer works."))
            return redirect(reverse("office:scheduling:calendar_feed", kwargs={"clinic_slug": clinic.slug}))
        else:
            messages.error(request, _("Choose what to do with your calendar address."))
    everyone = []
    if request.user.has_perm("scheduling.revoke_calendar_feeds", clinic):
        everyone = list(
            CalendarFeed.objects.filter(organization_id=clinic.organization_id, revoked_at__isnull=True)
            .select_related("membership__user")
            .order_by("created_at", "id")
        )
    return render(
        request,
        "scheduling/calendar_feed.html",
        {
            "clinic": clinic,
            "feed": feeds.live_feed(membership),
            "new_url": new_url,
            "everyone": everyone,
            "days_back": feeds.DAYS_BACK,
            "days_ahead": feeds.DAYS_AHEAD,
        },
    )


@member_required
@require_POST
def calendar_feed_revoke(request, clinic_slug, pk):
    clinic = request.clinic
    feed = access_calendar_feed(request, pk, "scheduling.revoke_calendar_feed")
    feeds.revoke(feed)
    messages.success(request, _("The calendar address no longer works."))
    return redirect(reverse("office:scheduling:calendar_feed", kwargs={"clinic_slug": clinic.slug}))
