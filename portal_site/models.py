"""Each clinic's public portal: a Wagtail site whose page tree belongs to the clinic's organization.

Every page type carries a non-null ``organization`` (inherited from its parent when an editor adds it) and a
manager scoped to the active organization, like every tenant table. ``ClinicHomePage`` names the clinic;
the pages below it find their clinic through it. Wagtail's ``Site`` rows are platform records (one per
clinic, hostname ``<clinic slug>.portal.invalid``): requests are routed by ``portal_site.routing``, not by
Wagtail's own host matching.
"""

from __future__ import annotations

from functools import cached_property

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, PageManager

from core.tenancy.models import Clinic, Organization, TenantModel

from .blocks import body_blocks

HEX_COLOUR = r"^#[0-9a-fA-F]{6}$"


def _validate_colour(value: str) -> None:
    import re

    if not re.match(HEX_COLOUR, value or ""):
        raise ValidationError(_("Enter a colour such as #1d4ed8."))


class PortalPage(Page):
    """Base of every portal page type: tenant-owned, found under a clinic's home page."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("organization"),
    )

    objects = ScopedManager(organization="organization", _manager_class=PageManager)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self.organization_id:
            self.organization_id = self._parent_organization_id()
        if not self.organization_id:
            raise ValidationError(_("A portal page must be placed inside a clinic's site."))
        return super().save(*args, **kwargs)

    def _parent_organization_id(self) -> int | None:
        if not self.path or len(self.path) <= self.steplen:
            return None
        parent = Page.objects.filter(path=self.path[: -self.steplen]).first()
        if parent is None:
            return None
        return getattr(parent.specific_deferred, "organization_id", None)

    @cached_property
    def portal_home(self) -> ClinicHomePage | None:
        if isinstance(self, ClinicHomePage):
            return self
        home = Page.objects.ancestor_of(self).type(ClinicHomePage).order_by("-depth").first()
        return home.specific if home else None

    @property
    def portal_clinic(self) -> Clinic | None:
        home = self.portal_home
        return home.clinic if home else None

    def relative_path(self) -> str:
        """This page's path below its clinic's home page (``""`` for the home page, ``contact/``)."""
        home = self.portal_home
        if home is None or self.pk == home.pk:
            return ""
        return self.url_path[len(home.url_path) :]

    def get_url_parts(self, request=None):
        from .routing import clinic_base_url

        clinic = self.portal_clinic
        if clinic is None:
            return super().get_url_parts(request)
        return (None, "", clinic_base_url(clinic, request) + self.relative_path())

    def get_context(self, request, *args, **kwargs):
        from .theme import portal_context

        context = super().get_context(request, *args, **kwargs)
        context.update(portal_context(request, self.portal_clinic, page=self))
        return context


class ClinicHomePage(PortalPage):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+", editable=False)
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("welcome image"),
        help_text=_(
            "A photo of the clinic for the top of the home page. Its description is read to screen readers."
        ),
    )
    body = StreamField(body_blocks(), blank=True, verbose_name=_("body"))

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel([FieldPanel("intro"), FieldPanel("hero_image")], heading=_("Welcome")),
        FieldPanel("body"),
    ]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "portal_site.ContentPage",
        "portal_site.BookingPage",
        "portal_site.PractitionersPage",
        "portal_site.ServicesPage",
        "portal_site.ContactPage",
        "portal_site.LegalPage",
    ]
    template = "portal/home_page.html"

    class Meta:
        verbose_name = _("clinic home page")

    @classmethod
    def can_create_at(cls, parent):
        # Home pages are made by provisioning, one per clinic.
        return False


class ContentPage(PortalPage):
    intro = models.CharField(_("introduction"), max_length=300, blank=True)
    body = StreamField(body_blocks(), blank=True, verbose_name=_("body"))

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["portal_site.ClinicHomePage", "portal_site.ContentPage"]
    subpage_types = ["portal_site.ContentPage"]
    template = "portal/content_page.html"

    class Meta:
        verbose_name = _("content page")


class BookingPage(PortalPage):
    intro = models.CharField(_("introduction"), max_length=300, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["portal_site.ClinicHomePage"]
    subpage_types: list[str] = []
    max_count_per_parent = 1
    template = "portal/booking_page.html"

    class Meta:
        verbose_name = _("booking page")

    def serve(self, request, *args, **kwargs):
        """The booking steps of the module that takes online bookings at this clinic
        (``clinic_portal_booking``); without one, a page saying online booking is not available."""
        from django.shortcuts import render

        from core.tenancy.modules import clinic_hook

        clinic = self.portal_clinic
        response = None
        if clinic is not None:
            response = clinic_hook(clinic, "clinic_portal_booking")(request=request, clinic=clinic, page=self)
        if response is None:
            response = render(request, self.template, self.get_context(request))
        return response


class PractitionersPage(PortalPage):
    intro = models.CharField(_("introduction"), max_length=300, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["portal_site.ClinicHomePage"]
    subpage_types: list[str] = []
    max_count_per_parent = 1
    template = "portal/practitioners_page.html"

    class Meta:
        verbose_name = _("practitioners page")

    def get_context(self, request, *args, **kwargs):
        from .selectors import public_practitioners

        context = super().get_context(request, *args, **kwargs)
        context["practitioners"] = public_practitioners(self.portal_clinic)
        return context


class ServicesPage(PortalPage):
    intro = models.CharField(_("introduction"), max_length=300, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["portal_site.ClinicHomePage"]
    subpage_types: list[str] = []
    max_count_per_parent = 1
    template = "portal/services_page.html"

    class Meta:
        verbose_name = _("services page")


class ContactPage(PortalPage):
    """Address, map link and contact details from the clinic; opening hours from the clinic's working
    hours through an opening-hours block a module contributes (provisioned into ``body``). The free text
    is shown only where no module on at the clinic shows its working hours."""

    intro = models.CharField(_("introduction"), max_length=300, blank=True)
    opening_hours = models.TextField(
        _("opening hours (free text)"),
        blank=True,
        help_text=_(
            "One line per day or range. Shown only when the clinic's calendar does not show its working "
            "hours; otherwise the opening-hours block shows the working hours and closures."
        ),
    )
    map_url = models.URLField(_("map link"), blank=True)
    body = StreamField(body_blocks(), blank=True, verbose_name=_("body"))

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        MultiFieldPanel([FieldPanel("opening_hours"), FieldPanel("map_url")], heading=_("Visiting us")),
        FieldPanel("body"),
    ]
    parent_page_types = ["portal_site.ClinicHomePage"]
    subpage_types: list[str] = []
    max_count_per_parent = 1
    template = "portal/contact_page.html"

    class Meta:
        verbose_name = _("contact page")

    @property
    def opening_lines(self) -> list[str]:
        return [line.strip() for line in self.opening_hours.splitlines() if line.strip()]


class LegalPage(PortalPage):
    body = RichTextField(_("text"), blank=True)
    last_updated = models.DateField(_("last updated"), default=timezone.localdate)

    content_panels = [*Page.content_panels, FieldPanel("last_updated"), FieldPanel("body")]
    parent_page_types = ["portal_site.ClinicHomePage"]
    subpage_types: list[str] = []
    template = "portal/legal_page.html"

    class Meta:
        verbose_name = _("legal page")


@register_setting(icon="cog")
class PortalSettings(BaseSiteSetting):
    """A clinic site's look: logo, brand colour and social links (one row per site, made at provisioning)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", editable=False)
    logo = models.ForeignKey(
        "wagtailimages.Image", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    brand_colour = models.CharField(
        _("brand colour"), max_length=7, default="#1d4ed8", validators=[_validate_colour]
    )
    facebook_url = models.URLField(_("Facebook page"), blank=True)
    instagram_url = models.URLField(_("Instagram profile"), blank=True)
    linkedin_url = models.URLField(_("LinkedIn page"), blank=True)

    objects = ScopedManager(organization="organization")

    panels = [
        FieldPanel("logo"),
        FieldPanel("brand_colour"),
        MultiFieldPanel(
            [FieldPanel("facebook_url"), FieldPanel("instagram_url"), FieldPanel("linkedin_url")],
            heading=_("Social links"),
        ),
    ]

    class Meta:
        verbose_name = _("portal look")


@pghistory.track(exclude=["token_hash"])
class PortalRegistration(TenantModel):
    """A patient's sign-up at a clinic's portal, waiting for the email link to be followed.

    The patient record is linked (or created) only when the link is followed: see ``services.verify``.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    token_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "token_hash"], name="portal_registration_token"),
        ]
        indexes = [models.Index(fields=["token_hash"], name="portal_registration_lookup")]
