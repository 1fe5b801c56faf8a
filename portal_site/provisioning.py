"""Give a clinic its portal site: page tree, Wagtail site, look settings, image collection and the editor
group that may change this tree (and nothing else) in the CMS. Idempotent: running it again only adds what
is missing and brings the editor group's members up to date."""

from __future__ import annotations

from urllib.parse import quote_plus

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override
from django_scopes import scope
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Locale, Page, Site

from core.accounts.language import shipped
from core.tenancy.models import Clinic, Membership, Role

from .home import default_home_body
from .models import (
    BookingPage,
    ClinicHomePage,
    ContactPage,
    LegalPage,
    PortalSettings,
    PractitionersPage,
    ServicesPage,
)

OPENING_HOURS_BLOCK = "opening_hours"
PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page")
COLLECTION_PERMISSIONS = {
    "wagtailimages": ("add_image", "change_image", "choose_image"),
    "wagtaildocs": ("add_document", "change_document", "choose_document"),
}


def site_hostname(clinic: Clinic) -> str:
    return f"{clinic.slug}.portal.invalid"


def editor_group_name(clinic: Clinic) -> str:
    return f"Portal editors · {clinic.slug}"


def collection_name(organization) -> str:
    return f"{organization.name} · {organization.slug}"


def _root_page() -> Page:
    # get_or_create retries the read when a clinic provisioned at the same instant made the locale first.
    locale, _made = Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(instance=Page(title="Root", slug="root", locale=locale, live=True))
    return root


def organization_collection(organization) -> Collection:
    root = Collection.get_first_root_node() or Collection.add_root(name="Root")
    name = collection_name(organization)
    existing = root.get_children().filter(name=name).first()
    return existing or root.add_child(name=name)


def _add(parent: Page, page: Page) -> Page:
    page.organization_id = parent.specific.organization_id
    page.locale_id = parent.locale_id
    return parent.add_child(instance=page)


def contact_body() -> list[tuple[str, dict]]:
    """A new contact page shows the clinic's opening hours through the module block that offers them
    (nothing when no module does, or when it is off for the clinic)."""
    from .blocks import contributed_blocks

    offered = {name for _module, name, _block in contributed_blocks()}
    return (
        [(OPENING_HOURS_BLOCK, {"heading": _("Opening hours"), "show_closures": True})]
        if (OPENING_HOURS_BLOCK in offered)
        else []
    )


def _default_pages(clinic: Clinic) -> list[Page]:
    address = ", ".join(p for p in [clinic.address_line1, clinic.postal_code, clinic.city] if p)
    return [
        PractitionersPage(
            title=_("Our team"),
            slug="team",
            show_in_menus=True,
            intro=_("The people who will look after you."),
        ),
        ServicesPage(
            title=_("Services and prices"),
            slug="services",
            show_in_menus=True,
            intro=_("What we offer, how long it takes and what it costs."),
        ),
        BookingPage(
            title=_("Book an appointment"),
            slug="booking",
            show_in_menus=True,
            intro=_("Choose a service, a practitioner and a time that suits you."),
        ),
        ContactPage(
            title=_("Contact"),
            slug="contact",
            show_in_menus=True,
            intro=address,
            map_url=f"https://www.openstreetmap.org/search?query={quote_plus(address)}" if address else "",
            body=contact_body(),
        ),
        LegalPage(
            title=_("Privacy"),
            slug="privacy",
            body=_("<p>We keep your records confidential and only use them to care for you.</p>"),
        ),
        LegalPage(title=_("Terms"), slug="terms", body=_("<p>Please cancel at least a day in advance.</p>")),
    ]


@transaction.atomic
def provision_clinic_site(clinic: Clinic) -> ClinicHomePage:
    with scope(organization=clinic.organization_id), override(clinic.locale or settings.LANGUAGE_CODE):
        home = (
            ClinicHomePage.objects.filter(organization_id=clinic.organization_id, clinic=clinic)
            .order_by("pk")
            .first()
        )
        if home is None:
            root = _root_page()
            # The site is first written in the clinic's language; editors may translate it into the others.
            language = shipped(clinic.locale) or settings.LANGUAGE_CODE
            locale, _made = Locale.objects.get_or_create(language_code=language)
            home = root.add_child(
                instance=ClinicHomePage(
                    title=clinic.name,
                    slug=clinic.slug,
                    organization_id=clinic.organization_id,
                    clinic=clinic,
                    locale_id=locale.pk,
                    intro=_("<p>Welcome to %(clinic)s. We look forward to seeing you.</p>")
                    % {"clinic": clinic.name},
                    body=default_home_body(),
                )
            )
            for page in _default_pages(clinic):
                _add(home, page)
        site = Site.objects.filter(root_page=home).first()
        if site is None:
            site = Site.objects.create(
                hostname=site_hostname(clinic), port=80, root_page=home, site_name=clinic.name
            )
        if not PortalSettings.objects.filter(organization_id=clinic.organization_id, site=site).exists():
            PortalSettings.objects.create(organization_id=clinic.organization_id, site=site)
        _editor_group(clinic, home)
        sync_editors(clinic)
        return home


def editor_group_for_tree(home: ClinicHomePage) -> Group:
    """Give the clinic's editors the site tree ``home`` (a translation of the first one)."""
    with scope(organization=home.organization_id):
        return _editor_group(home.clinic, home)


def _editor_group(clinic: Clinic, home: Page) -> Group:
    group, _created = Group.objects.get_or_create(name=editor_group_name(clinic))
    group.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        # Editors translate their clinic's pages into the other shipped languages.
        Permission.objects.get(content_type__app_label="simple_translation", codename="submit_translation"),
    )
    for codename in PAGE_PERMISSIONS:
        permission = Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)
        GroupPagePermission.objects.get_or_create(group=group, page=home, permission=permission)
    collection = organization_collection(clinic.organization)
    for app_label, codenames in COLLECTION_PERMISSIONS.items():
        for codename in codenames:
            permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=collection, permission=permission
            )
    return group


def editors_of(clinic: Clinic):
    """Who may edit the clinic's site: the organization's owners and the staff who work at the clinic.
    Practitioners (and patients) have no CMS access."""
    members = Membership.objects.filter(
        organization_id=clinic.organization_id, is_active=True
    ).select_related("user")
    return [
        m.user
        for m in members.prefetch_related("membershipclinic_set")
        if m.role == Role.OWNER
        or (
            m.role == Role.STAFF and any(link.clinic_id == clinic.pk for link in m.membershipclinic_set.all())
        )
    ]


def sync_editors(clinic: Clinic) -> None:
    group = Group.objects.filter(name=editor_group_name(clinic)).first()
    if group is None:
        return
    with scope(organization=clinic.organization_id):
        wanted = {u.pk for u in editors_of(clinic)}
    current = set(group.user_set.values_list("pk", flat=True))
    if wanted - current:
        group.user_set.add(*(wanted - current))
    if current - wanted:
        group.user_set.remove(*(current - wanted))


def provision_all() -> int:
    """Provision every clinic that has no site yet (and refresh editor groups). Returns clinics handled."""
    from .routing import all_clinic_ids

    count = 0
    for organization_id, clinic_id in all_clinic_ids():
        with scope(organization=organization_id):
            clinic = Clinic.objects.get(organization_id=organization_id, pk=clinic_id)
            provision_clinic_site(clinic)
        count += 1
    return count
