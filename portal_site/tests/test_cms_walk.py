"""Every address of Wagtail's admin, generated from the URL configuration, asked for by Alpha's owner with
Beta's objects and with ids that do not exist: never a 5xx, never a word of Beta's, and the same answer for
Beta's object as for a missing one."""

from __future__ import annotations

import functools
import re

import pytest
from django.contrib.auth.models import Group
from django.urls import URLPattern, URLResolver, get_resolver
from wagtail.models import Page, Site

from portal_site.provisioning import editor_group_name, organization_collection
from portal_site.tests.test_cms_media import media_of

MISSING = 987654321
PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>|\(\?P<(?P<group>\w+)>[^)]*\)")
# Everything that names Beta: its clinics (home page titles, site names), people, media, collection.
BETA_WORDS = (
    "Beta Downtown",
    "Beta Riverside",
    "Betamedia",
    "Beta Owner",
    "Beta Front",
    "beta.test",
    "Beta ·",
)
# Words the views look up among installed models and actions.
WORDS = {
    "content_type_app_name": "portal_site",
    "content_type_model_name": "contentpage",
    "app_label": "portal_site",
    "app_name": "portal_site",
    "model_name": "portalsettings",
    "action": "delete",
    "action_name": "approve",
    "filter_spec": "original",
    "uidb64": "MQ",
    "token": "set-password",
    "object_id": None,  # filled as an id
}
BULK_ACTIONS = {
    "wagtailcore/page": ("publish", "unpublish", "delete", "move"),
    "wagtailimages/image": ("delete", "add_to_collection", "add_tags"),
    "wagtaildocs/document": ("delete", "add_to_collection", "add_tags"),
}
NOT_POSTED = {"cms/logout/"}


@functools.cache
def cms_patterns() -> tuple[str, ...]:
    """Path templates of every Wagtail admin address that captures an argument."""

    def walk(resolver, prefix):
        for pattern in resolver.url_patterns:
            text = str(pattern.pattern).lstrip("^").removesuffix("$")
            if isinstance(pattern, URLResolver):
                yield from walk(pattern, prefix + text)
            elif isinstance(pattern, URLPattern):
                yield prefix + text

    return tuple(
        sorted(path for path in walk(get_resolver(), "") if path.startswith("cms/") and PARAM.search(path))
    )


@pytest.fixture
def beta_objects(alpha, beta, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    media_of(alpha, "Alphamedia")
    image, document = media_of(beta, "Betamedia")
    home = Page.objects.get(title="Beta Downtown")
    child = home.get_children().first()
    revision = child.specific.save_revision()
    return {
        "page": child.pk,
        "home": home.pk,
        "image": image.pk,
        "document": document.pk,
        "collection": organization_collection(beta.org).pk,
        "site": Site.objects.get(root_page=home).pk,
        "user": beta.owner.pk,
        "group": Group.objects.get(name=editor_group_name(beta.clinic)).pk,
        "revision": revision.pk,
    }


def kind_of(path: str, name: str) -> str:
    """Which kind of object argument ``name`` of ``path`` names."""
    if "image" in name or (name == "pk" and "/images/" in path):
        return "image"
    if "doc" in name or (name == "pk" and "/documents/" in path):
        return "document"
    if "revision" in name:
        return "revision"
    for area, kind in (
        ("collections", "collection"),
        ("sites", "site"),
        ("users", "user"),
        ("groups", "group"),
    ):
        if path.startswith(f"cms/{area}/"):
            return kind
    if path.startswith("cms/settings/"):
        return "site"
    return "page"


def address(path: str, ids: dict[str, int] | None) -> str:
    """``path`` with each id argument filled from ``ids`` (None: a missing id) and each word filled."""

    def fill(match):
        name = match["name"] or match["group"]
        if name in WORDS and WORDS[name] is not None:
            return WORDS[name]
        return str(MISSING if ids is None else ids[kind_of(path, name)])

    return "/" + PARAM.sub(fill, path)


def addresses(beta_ids: dict[str, int]):
    """(label, Beta's address, the missing address) for every admin address with an argument, and every
    bulk action with ``?id=``."""
    for path in cms_patterns():
        if path.startswith("cms/bulk/"):
            continue
        yield path, address(path, beta_ids), address(path, None)
    for model, actions in BULK_ACTIONS.items():
        kind = model.split("/")[1].replace("wagtailcore", "page")
        for action in actions:
            base = f"/cms/bulk/{model}/{action}/"
            yield base, f"{base}?id={beta_ids[kind]}&next=/cms/", f"{base}?id={MISSING}&next=/cms/"
    home = beta_ids["home"]
    yield (
        "childOf",
        f"/cms/bulk/wagtailcore/page/publish/?id=all&childOf={home}",
        (f"/cms/bulk/wagtailcore/page/publish/?id=all&childOf={MISSING}"),
    )


def leaks(body: str) -> list[str]:
    return [word for word in BETA_WORDS if word in body]


def test_no_admin_address_shows_or_tells_apart_another_organizations_objects(alpha, beta_objects, login):
    client = login(alpha.owner)
    problems = []
    for label, foreign, missing in addresses(beta_objects):
        for method in ("get", "post"):
            if method == "post" and label in NOT_POSTED:
                continue
            answers = [getattr(client, method)(url) for url in (foreign, missing)]
            statuses = [answer.status_code for answer in answers]
            if max(statuses) >= 500:
                problems.append(f"{method} {label}: {statuses}")
            if statuses[0] != statuses[1]:
                problems.append(f"{method} {label}: Beta's {statuses[0]}, missing {statuses[1]}")
            words = leaks(answers[0].content.decode(errors="replace"))
            if words:
                problems.append(f"{method} {foreign}: shows {words}")
    assert not problems, "\n".join(problems)


def test_admin_listings_and_dashboard_show_only_own_objects(alpha, beta_objects, login):
    client = login(alpha.owner)
    problems = []
    for path in (
        "/cms/",
        "/cms/pages/",
        "/cms/pages/search/?q=Beta",
        "/cms/reports/page-types-usage/",
        "/cms/api/main/pages/",
        "/cms/api/main/pages/?search=Beta",
        "/cms/choose-page/",
        "/cms/choose-page/search/?q=Beta",
        "/cms/forms/",
        "/cms/images/",
        "/cms/documents/",
        "/cms/pages/usage/portal_site/clinichomepage/",
        "/cms/sites/",
        "/cms/collections/",
    ):
        answer = client.get(path, follow=True)
        words = leaks(answer.content.decode(errors="replace"))
        if answer.status_code >= 500 or words:
            problems.append(f"{path}: {answer.status_code} {words}")
    assert not problems, "\n".join(problems)


def test_dashboard_counts_only_own_pages(alpha, beta_objects, login):
    own = Page.objects.filter(depth__gt=1, title__startswith="Alpha").count()
    own += sum(Page.objects.get(title=clinic.name).get_descendants().count() for clinic in alpha.clinics)
    body = login(alpha.owner).get("/cms/").content.decode()
    assert re.search(rf"<span>{own}</span>\s*Pages|{own}\s*</span>\s*Pages|\b{own}\b[^<]*Pages", body), body[
        :3000
    ]
