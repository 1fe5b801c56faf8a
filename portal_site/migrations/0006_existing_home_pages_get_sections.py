"""Home pages made before the team, opening-hours, price-list and address sections existed get them, the
way a new clinic's home page starts.

Only where it cannot overwrite anyone's work: a home page whose body is empty both live and in its latest
revision, with no unpublished draft. The live page and its latest revision get the same body, so the
editor sees in the CMS what visitors see. Headings are written in the page's language.
"""

import json
import uuid

from django.db import migrations
from django.utils import translation
from django.utils.translation import gettext as _


def home_sections(offered: set[str]) -> list[dict]:
    """The sections, as stored stream data; module blocks only where the body offers them."""
    sections = [
        ("team", {"heading": _("Our team"), "intro": ""}),
        ("opening_hours", {"heading": _("Opening hours"), "show_closures": True}),
        ("price_list", {"heading": _("Services and prices"), "intro": ""}),
        ("contact", {"heading": _("Find us"), "show_map_link": True}),
    ]
    return [
        {"type": name, "value": value, "id": str(uuid.uuid4())} for name, value in sections if name in offered
    ]


def _empty(raw) -> bool:
    if raw is None or raw == "":
        return True
    if isinstance(raw, str):
        raw = json.loads(raw)
    return not raw


def give_home_pages_their_sections(apps, schema_editor) -> int:
    """Fill the empty bodies of home pages nobody has started editing; the number of pages filled."""
    ClinicHomePage = apps.get_model("portal_site", "ClinicHomePage")
    Revision = apps.get_model("wagtailcore", "Revision")
    Locale = apps.get_model("wagtailcore", "Locale")
    offered = set(ClinicHomePage._meta.get_field("body").stream_block.child_blocks)
    languages = dict(Locale.objects.values_list("pk", "language_code"))
    filled = 0
    for home in ClinicHomePage.objects.filter(has_unpublished_changes=False).order_by("pk"):
        if len(home.body):
            continue
        revision = Revision.objects.filter(pk=home.latest_revision_id).first()
        if revision is not None and not _empty(revision.content.get("body")):
            continue
        with translation.override(languages.get(home.locale_id) or "en"):
            raw = home_sections(offered)
        ClinicHomePage.objects.filter(pk=home.pk).update(body=raw)
        if revision is not None:
            revision.content["body"] = json.dumps(raw)
            revision.save(update_fields=["content"])
        filled += 1
    return filled


def forward(apps, schema_editor) -> None:
    give_home_pages_their_sections(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("portal_site", "0005_home_page_sections"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
