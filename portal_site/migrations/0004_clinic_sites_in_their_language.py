"""Portal pages become translatable: a locale for each shipped language, and each clinic's existing site
moved into its clinic's language (it was filed under the platform's default, whatever it was written in),
so that an editor can translate it into the others."""

from django.conf import settings
from django.db import migrations


def forward(apps, schema_editor):
    Locale = apps.get_model("wagtailcore", "Locale")
    Page = apps.get_model("wagtailcore", "Page")
    ClinicHomePage = apps.get_model("portal_site", "ClinicHomePage")
    locales = {code: Locale.objects.get_or_create(language_code=code)[0] for code, _name in settings.LANGUAGES}
    for home in ClinicHomePage.objects.select_related("clinic").order_by("pk"):
        locale = locales.get(home.clinic.locale)
        if locale is None or home.locale_id == locale.pk:
            continue
        # Only a site that has no translations yet is refiled, so no translation key meets itself twice.
        tree = Page.objects.filter(path__startswith=home.path)
        keys = tree.values_list("translation_key", flat=True)
        if Page.objects.filter(translation_key__in=keys).exclude(path__startswith=home.path).exists():
            continue
        tree.update(locale=locale)


class Migration(migrations.Migration):
    dependencies = [
        ("portal_site", "0003_contact_opening_hours_wording"),
        ("wagtailcore", "0098_apitoken"),
        ("tenancy", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
