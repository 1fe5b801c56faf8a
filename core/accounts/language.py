"""Which language a request speaks.

In order: a language named in the address (``?lang=``, as the portal's hreflang links do), the signed-in
person's own choice (their profile; patients choose on the portal), a choice made
with the language switcher before signing in (Django's language cookie), the browser's languages when one
of them is shipped, and otherwise the place's default: the organization's for the back office, the clinic's
for its portal (``speak_place_default``, called once the portal knows its clinic). Emails do not use this:
they go in the recipient's language (see ``recipient_language``).
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

SHIPPED = tuple(code for code, _name in settings.LANGUAGES)


def shipped(code: str | None) -> str | None:
    """``code`` (or its generic form: "de-AT" → "de") when it is a shipped language, else None."""
    if not code:
        return None
    code = code.lower().replace("_", "-")
    for candidate in (code, code.split("-")[0]):
        if candidate in SHIPPED:
            return candidate
    return None


def _from_browser(request) -> str | None:
    for code, _quality in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        if code == "*":
            return None
        if found := shipped(code):
            return found
    return None


def chosen_language(request) -> str | None:
    """The language the person chose or their browser asks for; None when only a place default applies."""
    if asked := shipped(request.GET.get("lang")):
        return asked  # an address naming its language (the portal's hreflang links)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and (own := shipped(user.preferred_language)):
        return own
    return shipped(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)) or _from_browser(request)


def speak(request, code: str) -> None:
    translation.activate(code)
    request.LANGUAGE_CODE = translation.get_language()


def speak_place_default(request, code: str | None) -> None:
    """Speak a clinic's or organization's default language unless the person's own choice applies."""
    if getattr(request, "language_chosen", False):
        return
    speak(request, shipped(code) or settings.LANGUAGE_CODE)


def recipient_language(*candidates: str | None) -> str:
    """The first shipped language among the recipient's preference and the place defaults given."""
    for code in candidates:
        if found := shipped(code):
            return found
    return settings.LANGUAGE_CODE


class LanguageMiddleware:
    """Activate the request's language once the signed-in person and their organization are known
    (Django's LocaleMiddleware, earlier in the chain, cannot see either)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = chosen_language(request)
        request.language_chosen = chosen is not None
        organization = getattr(request, "organization", None)
        place_default = shipped(getattr(organization, "default_locale", None))
        # deactivate=True: once the response is made the thread forgets this language, so it never leaks
        # into the next request, task or test served by the same thread.
        with translation.override(chosen or place_default or settings.LANGUAGE_CODE, deactivate=True):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
            response.headers.setdefault("Content-Language", translation.get_language())
        return response


def remember_choice(request, response, code: str) -> None:
    """Keep a choice made with a language switcher: in the cookie for this browser and, for a signed-in
    person, on their account, so every device and every email follows it."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    user = request.user
    if user.is_authenticated and user.preferred_language != code:
        user.preferred_language = code
        user.save(update_fields=["preferred_language"])
