"""Signing a person in and out, and the session rules that apply afterwards."""

from __future__ import annotations

from django.contrib.auth import login
from django.utils import timezone

GENERATION_KEY = "ehr_generation"
LAST_SEEN_KEY = "ehr_last_seen"


def complete_login(request, user, backend: str | None = None) -> None:
    """Sign ``user`` in and stamp the session with the user's current session generation."""
    login(request, user, backend=backend or "core.accounts.backends.EmailBackend")
    request.session[GENERATION_KEY] = user.session_generation
    request.session[LAST_SEEN_KEY] = int(timezone.now().timestamp())


def sign_out_other_sessions(request) -> None:
    """End every other session of this user; the current one carries the new generation."""
    from django.db.models import F

    from .models import User

    User.objects.filter(pk=request.user.pk).update(session_generation=F("session_generation") + 1)
    generation = User.objects.values_list("session_generation", flat=True).get(pk=request.user.pk)
    request.session[GENERATION_KEY] = generation
