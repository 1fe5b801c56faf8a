"""The practice's privacy notice asked again: when the notice's version changes (a new version of the
country pack's patients'-rights text, or a country chosen), a signed-in patient of the practice is shown
the new notice before any account page or booking, agrees, and goes back where they were.

A patient who does not agree can still download their data, ask for erasure and sign out (those pages
are not gated): the notice conditions the use of the account, never the patient's rights.
"""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.compliance.consents import has_agreed_to_current_notice, practice_notice, record_notice_consent
from core.patients.accounts import patient_links

from .access import portal_view
from .routing import clinic_base_url


def _is_patient_here(request) -> bool:
    organization_id = request.portal_clinic.organization_id
    return any(org == organization_id for org, _patient in patient_links(request.user))


def notice_redirect(request):
    """A redirect to the privacy notice when the signed-in patient has not agreed to its current
    version at this clinic's organization; None when there is nothing to ask (not signed in, not a
    patient here, or agreed already)."""
    # The agreement first: one query on every page of a patient who has agreed (nearly all of them).
    if not request.user.is_authenticated:
        return None
    if has_agreed_to_current_notice(request.user, request.portal_clinic.organization):
        return None
    if not _is_patient_here(request):
        return None
    base = clinic_base_url(request.portal_clinic, request)
    return redirect(f"{base}account/privacy-notice/?next={quote(request.get_full_path())}")


def asks_for_notice(view):
    """Gate a portal view (already inside ``portal_view``) behind the current privacy notice."""

    def gated(request, *args, **kwargs):
        return notice_redirect(request) or view(request, *args, **kwargs)

    gated.__name__ = getattr(view, "__name__", "gated")
    gated.__doc__ = view.__doc__
    return gated


def _next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


@portal_view
def privacy_notice_view(request):
    """“Our privacy notice has changed”: the notice in force, an agree button, and what the patient can
    still do without agreeing."""
    from .views import _ctx, _login_redirect

    if not request.user.is_authenticated:
        return _login_redirect(request)
    base = clinic_base_url(request.portal_clinic, request)
    target = _next(request, f"{base}account/appointments/")
    organization = request.portal_clinic.organization
    if not _is_patient_here(request) or has_agreed_to_current_notice(request.user, organization):
        return redirect(target)
    notice = practice_notice(organization, get_language())
    status = 200
    if request.method == "POST":
        if request.POST.get("notice_version") == notice.version:
            record_notice_consent(request.user, organization, notice.version)
            messages.success(request, _("Thank you. Your agreement to the privacy notice is recorded."))
            return redirect(target)
        # The notice changed while the page was open: show the one in force and ask again.
        messages.error(
            request,
            _("The privacy notice has changed since this page was opened. Read it again, then agree."),
        )
        status = 409
    return render(
        request,
        "portal/account/privacy_notice.html",
        _ctx(request, notice=notice, organization=organization, next=target),
        status=status,
    )
