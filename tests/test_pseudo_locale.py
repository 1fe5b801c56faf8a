"""Pseudo-locale walk: every translated string is wrapped in ⟦…⟧ at test time (a gettext hook, nothing
shipped), the main office and portal pages are rendered, and any visible English text outside the markers
is a string that escaped translation.

Data is not text to translate: the organization's own content (names, services, pages, addresses, e-mail
addresses), numbers, dates, currency codes and the languages' own names (the switcher shows each in
itself) are left out; everything else a page shows must come through gettext.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from babel import Locale
from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import translation
from django_scopes import scope, scopes_disabled
from wagtail.models import Page

from tests.factories import PASSWORD, link_patient_login, make_user
from tests.test_isolation_pages import make_appointment, make_invoice, make_scheduling_setup

pytestmark = pytest.mark.django_db

OPEN, CLOSE = "⟦", "⟧"
MARKED = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
WORD = re.compile(r"[A-Za-z][A-Za-z'’]{2,}")
NOT_WORDS = re.compile(r"\S+@\S+|https?://\S+|/\S*|\S+\.(?:test|pdf|zip|ics|json|csv)\b")
# The test suite's example plugin (tests/example_plugin, never shipped) shows untranslated sample text.
TEST_PLUGIN = re.compile(r"^(Example\b|Hello from\b)")
HIDDEN_TAGS = {"script", "style", "template", "noscript", "svg"}


def _wrap(text):
    return f"{OPEN}{text}{CLOSE}" if text else text


@pytest.fixture
def pseudo_locale(monkeypatch):
    """Call it to wrap every string that goes through Django's translation functions (templates'
    {% translate %}, gettext, lazy strings, plurals, contexts) in markers, whatever the active language.
    Called after the test's data is made, so stored content stays as the product stores it."""

    def activate():
        trans = translation._trans
        gettext, ngettext = trans.gettext, trans.ngettext
        pgettext, npgettext = trans.pgettext, trans.npgettext
        monkeypatch.setattr(trans, "gettext", lambda message: _wrap(gettext(message)))
        monkeypatch.setattr(trans, "ngettext", lambda s, p, n: _wrap(ngettext(s, p, n)))
        monkeypatch.setattr(trans, "pgettext", lambda c, m: _wrap(pgettext(c, m)))
        monkeypatch.setattr(trans, "npgettext", lambda c, s, p, n: _wrap(npgettext(c, s, p, n)))

    return activate


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hidden = 0
        self.nodes: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN_TAGS:
            self.hidden += 1

    def handle_endtag(self, tag):
        if tag in HIDDEN_TAGS and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.nodes.append(data.strip())


def _data_phrases(organization) -> list[str]:
    """Every text the organization's own content holds, whole (names, services, rooms, portal pages'
    titles and blocks): what its people typed or the product stored for it, which no catalogue
    translates. Whole values, not words: a stored "Book your visit" must not excuse the word "your"
    elsewhere. Longest first, so a name is taken out before a part of it."""
    phrases: set[str] = set()

    def take(value):
        if isinstance(value, dict):
            for item in value.values():
                take(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                take(item)
        elif isinstance(value, str) and len(value.strip()) > 2:
            if "<" in value:  # rich text: its text nodes are what a page shows
                parser = _Text()
                parser.feed(value)
                phrases.update(parser.nodes)
            else:
                phrases.update(line.strip() for line in value.splitlines() if line.strip())

    with scopes_disabled():
        for model in apps.get_models():
            names = [
                f.name
                for f in model._meta.concrete_fields
                # A field with choices stores a key, not text: its label is what pages must translate.
                if not f.choices
                and (
                    isinstance(f, (models.CharField, models.TextField))
                    or f.get_internal_type() == "JSONField"  # Wagtail's StreamField too
                )
            ]
            if not names or model.__name__.endswith("Event"):  # change history, not content
                continue
            fields = {f.name for f in model._meta.concrete_fields}
            if "organization" in fields:
                rows = model.objects.filter(organization_id=organization.pk)
            elif model._meta.label in ("tenancy.Organization",):
                rows = model.objects.filter(pk=organization.pk)
            elif issubclass(model, Page) or model._meta.label in ("accounts.User", "wagtailcore.Site"):
                rows = model.objects.all()
            else:
                continue
            for row in rows.values_list(*names)[:500]:
                for value in row:
                    if hasattr(value, "get_prep_value"):  # a StreamField's value, as stored
                        value = value.get_prep_value()
                    take(value)
    return sorted((p.replace(OPEN, "").replace(CLOSE, "") for p in phrases), key=len, reverse=True)


def _allowed_words() -> set[str]:
    """Dates, times and country names as Babel prints them, and the languages' own names (the switcher)."""
    english = Locale("en")
    allowed = {w.lower() for name in english.territories.values() for w in WORD.findall(name)}
    for context in ("format", "stand-alone"):
        for width in ("wide", "abbreviated"):
            allowed.update(n.lower() for n in english.months[context][width].values())
            allowed.update(n.lower() for n in english.days[context][width].values())
    for code, _name in settings.LANGUAGES:
        allowed.update(w.lower() for w in WORD.findall(translation.get_language_info(code)["name_local"]))
    return allowed | {"am", "pm"}


def escaped(html: str, data_phrases: list[str], allowed_words: set[str]) -> list[str]:
    """The visible text of ``html`` holding English outside the translation markers. A translated
    sentence may hold markup (``Press <kbd>/</kbd> to search``), so markers are matched across the text
    nodes of the page, in reading order."""
    parser = _Text()
    parser.feed(html)
    text = "\n".join(node for node in parser.nodes if not TEST_PLUGIN.match(node))
    while MARKED.search(text):
        text = MARKED.sub(" ", text)
    found = []
    for line in text.splitlines():
        rest = line.replace(OPEN, " ").replace(CLOSE, " ")
        for phrase in data_phrases:
            if phrase in rest:
                rest = rest.replace(phrase, " ")
        rest = NOT_WORDS.sub(" ", rest)
        words = [w for w in WORD.findall(rest) if w.lower() not in allowed_words and not w.isupper()]
        if words:
            found.append(f"{' '.join(words)!r} in {line.strip()[:120]!r}")
    return found


def _portal_client(tenant):
    from django.test import Client

    with scopes_disabled():
        link_patient_login(tenant.patient, make_user("pseudo@example.test"))
    client = Client()
    client.post(
        f"/c/{tenant.clinic.slug}/account/login/", {"username": "pseudo@example.test", "password": PASSWORD}
    )
    return client


def test_no_english_escapes_translation_on_the_main_pages(alpha, login, pseudo_locale):
    from portal_site.provisioning import provision_clinic_site

    with scope(organization=alpha.org.pk):
        provision_clinic_site(alpha.clinic)
        make_scheduling_setup(alpha)
        appointment = make_appointment(alpha)
        invoice = make_invoice(alpha)
    clinic = alpha.clinic
    office_pages = [
        "/office/",
        f"/office/c/{clinic.slug}/scheduling/?view=week&date={appointment.start.date().isoformat()}",
        "/office/patients/",
        f"/office/patients/{alpha.patient.pk}/",
        f"/office/c/{clinic.slug}/billing/invoices/{invoice.pk}/",
        "/office/settings/organization/",
        "/office/settings/processing-record/",
        "/office/settings/privacy/",
        "/office/settings/privacy-notice/",
        "/office/settings/members/",
        "/office/settings/clinics/",
        "/office/team/",
        f"/office/c/{clinic.slug}/billing/",
        f"/office/c/{clinic.slug}/scheduling/?view=day&date={appointment.start.date().isoformat()}",
        f"/office/c/{clinic.slug}/notifications/",
        f"/office/c/{clinic.slug}/inventory/",
    ]
    portal_pages = [
        f"/c/{clinic.slug}/",
        f"/c/{clinic.slug}/booking/",
        f"/c/{clinic.slug}/account/",
        f"/c/{clinic.slug}/account/appointments/",
        f"/c/{clinic.slug}/account/erasure/",
        f"/c/{clinic.slug}/account/billing/",
        f"/c/{clinic.slug}/account/records/",
        f"/c/{clinic.slug}/account/notifications/",
        f"/c/{clinic.slug}/account/access-history/",
        f"/c/{clinic.slug}/team/",
        f"/c/{clinic.slug}/services/",
        f"/c/{clinic.slug}/contact/",
    ]
    office, portal = login(alpha.owner), _portal_client(alpha)
    data_phrases, allowed_words = _data_phrases(alpha.org), _allowed_words()
    pseudo_locale()
    problems = []
    for client, pages in ((office, office_pages), (portal, portal_pages)):
        for url in pages:
            response = client.get(url)
            if response.status_code != 200:
                problems.append(f"{url} answered {response.status_code}")
                continue
            page = response.content.decode()
            assert page.count(OPEN) > 5, f"{url}: the pseudo-locale is not active"
            problems += [f"{url}: {found}" for found in escaped(page, data_phrases, allowed_words)]
    assert not problems, "English that escaped translation:\n" + "\n".join(problems)


def test_the_check_finds_english_outside_the_markers_and_spares_data():
    html = (
        "<main><h1>⟦Patients⟧</h1><p>⟦Press <kbd>/</kbd> to search⟧</p><p>Erin Example · 7 Dec 2026</p>"
        "<button>Save</button><script>var label = 'Not shown';</script></main>"
    )
    assert escaped(html, ["Erin Example"], _allowed_words()) == ["'Save' in 'Save'"]
