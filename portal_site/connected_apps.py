"""“Apps with access to my record”: the patient apps a patient let read their record (the SMART sign-in
through this portal), each with a button that takes the access back at once.

Taking access back ends every token the app holds for this login (access and refresh tokens, unused
authorization codes), so the app's next request is refused; the app has to ask the patient again. Each
revocation is kept in the login's security history.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_scopes import scope
from oauth2_provider.models import get_access_token_model, get_grant_model, get_refresh_token_model

from core.accounts.models import SecurityEvent
from core.fhir.models import ClientKind, FhirClient
from core.patients.accounts import patient_links

from .access import portal_view
from .views import _base, _ctx, _login_redirect


def _live_applications(user) -> dict[int, dict]:
    """Application id → when the login first let it in and what it may read, for every app holding a
    token that still works (an unexpired access token or an unrevoked refresh token)."""
    now = timezone.now()
    found: dict[int, dict] = {}
    tokens = get_access_token_model().objects.filter(user=user, expires__gt=now)
    refreshes = get_refresh_token_model().objects.filter(user=user, revoked__isnull=True)
    for application_id, created, scopes in [
        *tokens.values_list("application_id", "created", "scope"),
        *refreshes.values_list("application_id", "created", "access_token__scope"),
    ]:
        if application_id is None:
            continue
        entry = found.setdefault(application_id, {"since": created, "scopes": set()})
        entry["since"] = min(entry["since"], created)
        entry["scopes"].update((scopes or "").split())
    return found


def _resource_words() -> dict[str, str]:
    return {
        "Patient": _("your details"),
        "Appointment": _("your appointments"),
        "Encounter": _("your visits"),
        "Observation": _("your vital signs"),
        "Condition": _("your problems"),
        "AllergyIntolerance": _("your allergies"),
        "MedicationStatement": _("your medications"),
        "DocumentReference": _("your notes and documents"),
        "Invoice": _("your invoices"),
        "Consent": _("your consents"),
    }


def _readable(scopes: set[str]) -> list[str]:
    """What the app may read, in words: "your whole record" or the kinds of record it named."""
    kinds = sorted(
        {s.split("/", 1)[1].split(".", 1)[0] for s in scopes if s.startswith("patient/") and "." in s}
    )
    if "*" in kinds:
        return [_("your whole record")]
    words = _resource_words()
    return [str(words.get(kind, kind)) for kind in kinds]


def connected_apps(user) -> list[dict]:
    """The patient apps of the organizations the login is a patient of that can read its record now."""
    live = _live_applications(user)
    rows = []
    if not live:
        return rows
    for organization_id in sorted({org for org, _patient in patient_links(user)}):
        with scope(organization=organization_id):
            clients = (
                FhirClient.objects.filter(
                    organization_id=organization_id, kind=ClientKind.PATIENT, application_id__in=live
                )
                .select_related("application", "organization")
                .order_by("application__name", "pk")
            )
            for client in clients:
                granted = live[client.application_id]
                rows.append(
                    {
                        "client": client,
                        "name": client.application.name,
                        "organization": client.organization.name,
                        "since": granted["since"],
                        "reads": _readable(granted["scopes"]),
                    }
                )
    return rows


def revoke(user, client: FhirClient) -> None:
    """End every token ``client``'s app holds for ``user``, and keep the step in their security history."""
    with transaction.atomic():
        application = client.application
        for refresh in (
            get_refresh_token_model()
            .objects.select_for_update()
            .filter(user=user, application=application, revoked__isnull=True)
        ):
            refresh.revoke()
        get_access_token_model().objects.filter(user=user, application=application).delete()
        get_grant_model().objects.filter(user=user, application=application).delete()
        SecurityEvent.objects.create(user=user, kind=SecurityEvent.Kind.APP_ACCESS_REVOKED)


@portal_view
@require_http_methods(["GET", "POST"])
def connected_apps_view(request):
    if not request.user.is_authenticated:
        return _login_redirect(request)
    rows = connected_apps(request.user)
    if request.method == "POST":
        chosen = next((r for r in rows if str(r["client"].pk) == request.POST.get("app", "")), None)
        if chosen is None:
            raise Http404  # not an app that can read this login's record: nothing to take back
        revoke(request.user, chosen["client"])
        messages.success(request, _("%(app)s can no longer read your record.") % {"app": chosen["name"]})
        return redirect(f"{_base(request)}account/apps/")
    return render(request, "portal/account/connected_apps.html", _ctx(request, rows=rows))
