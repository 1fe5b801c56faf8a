"""A clinic's portal pages in several languages (Wagtail's own i18n, with its "Translate" action).

Each clinic's site is first made in the clinic's language; an editor may translate any page into the other
shipped languages, which Wagtail keeps as a sibling tree sharing each page's ``translation_key``. Visitors
always use the addresses of the first tree: the page found there is swapped for its live translation in
the language being spoken, and when there is none the first tree's page is shown. So every language of a
page has the same address, told apart by ``?lang=`` (the hreflang links name them).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import get_language


def is_translated(clinic) -> bool:
    """Whether ``clinic``'s site has any translation at all (known from ``home_page_for``'s one query)."""
    from .selectors import home_page_for

    home_page_for(clinic)
    return getattr(clinic, "_portal_translated", False)


def _translations(pages, language: str, clinic) -> dict:
    """Live translations of ``pages`` into ``language``, by translation key: one query, none for a clinic
    whose site has no translations."""
    from wagtail.models import Page

    pages = list(pages)
    if not pages or not is_translated(clinic):
        return {}
    found = (
        Page.objects.live()
        .filter(translation_key__in=[page.translation_key for page in pages], locale__language_code=language)
        .exclude(pk__in=[page.pk for page in pages])  # a page already in that language stays itself
        .specific()
    )
    return {page.translation_key: page for page in found}


def in_language(page, clinic, language: str | None = None):
    """``page`` of ``clinic``'s site as written in ``language`` (the active one by default), or ``page``."""
    return _translations([page], language or get_language(), clinic).get(page.translation_key, page)


def menu_entries(pages, clinic, request=None, language: str | None = None) -> list[dict]:
    """Menu entries of the first tree's ``pages``: their addresses, with the titles of their translations
    into ``language`` (the active one by default) where there are live ones."""
    pages = list(pages)
    translated = _translations(pages, language or get_language(), clinic)
    return [
        {
            "title": getattr(translated.get(page.translation_key), "title", page.title),
            "url": page.get_url(request),
            "pk": page.pk,
            "key": page.translation_key,
        }
        for page in pages
    ]


def page_languages(page, clinic) -> list[str]:
    """The shipped languages ``page`` can be read in: the clinic's own (the first tree's) and those of its
    live translations, in the order of settings.LANGUAGES."""
    from wagtail.models import Page

    if not is_translated(clinic):
        return [clinic.locale]
    have = set(
        Page.objects.live()
        .filter(translation_key=page.translation_key)
        .values_list("locale__language_code", flat=True)
    )
    have.add(clinic.locale)
    return [code for code, _name in settings.LANGUAGES if code in have]
