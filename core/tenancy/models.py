"""The tenant (Organization) and what hangs directly off it: clinics, memberships, invitations and the
per-clinic module switches.

Every table here except Organization itself carries a non-null ``organization`` foreign key, its default
manager is scoped to the active organization (a query outside a scope raises), and its unique keys lead
with ``organization`` so the schema can be distributed by tenant.
"""

from __future__ import annotations

import zoneinfo

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


def validate_compliance_country(value: str) -> None:
    from core.compliance.packs import pack_for_country

    if value and pack_for_country(value) is None:
        raise ValidationError(_("There is no compliance pack for “%(value)s”."), params={"value": value})


TIMEZONE_CHOICES = sorted((tz, tz) for tz in zoneinfo.available_timezones() if "/" in tz)


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    PRACTITIONER = "practitioner", _("Practitioner")
    STAFF = "staff", _("Staff")


@pghistory.track()
class Organization(models.Model):
    """The tenant: one owner's practice, with its clinics, team and patients."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    default_locale = models.CharField(_("default language"), max_length=10, default="en")
    # The country whose compliance pack (core/compliance/packs/) rules invoices, retention and erasure.
    country = models.CharField(
        _("country"),
        max_length=2,
        blank=True,
        validators=[validate_compliance_country],
        help_text=_("Invoices, record retention and patients' rights follow this country's rules."),
    )
    logo = models.ImageField(_("logo"), upload_to="org-logos/", blank=True)
    require_two_factor = models.BooleanField(
        _("require two-factor sign-in"),
        default=False,
        help_text=_("Every member must set up an authenticator app before using the back office."),
    )
    session_idle_minutes = models.PositiveIntegerField(
        _("sign out after inactivity (minutes)"), null=True, blank=True
    )
    # Off by default: a patient reads the role of whoever opened their record; an owner may choose to name
    # the person too (portal's "Who viewed my record").
    show_staff_names_to_patients = models.BooleanField(
        _("show staff names to patients"),
        default=False,
        help_text=_("In the portal's “Who viewed my record”, name the person next to their role."),
    )
    # Next medical record number; taken with an atomic UPDATE ... RETURNING so numbers never repeat.
    next_record_number = models.PositiveBigIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.name

    @property
    def idle_minutes(self) -> int:
        return self.session_idle_minutes or settings.EHR_SESSION_IDLE_MINUTES


class TenantModel(models.Model):
    """Base for every table owned by an organization."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, verbose_name=_("organization"))

    objects = ScopedManager(organization="organization")

    class Meta:
        abstract = True


@pghistory.track()
class Clinic(TenantModel):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=60, help_text=_("Used in web addresses."))
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC", validators=[validate_timezone])
    locale = models.CharField(_("language"), max_length=10, default="en")
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    address_line1 = models.CharField(_("address"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address (line 2)"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        verbose_name = _("clinic")
        verbose_name_plural = _("clinics")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="clinic_slug_unique_per_org"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


@pghistory.track()
class Membership(TenantModel):
    """A person's place in an organization's team: their role, the clinics they work at, their profile."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    clinics = models.ManyToManyField(Clinic, through="MembershipClinic", related_name="members", blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Profile shown in the back office and, for practitioners, on the clinics' portal sites.
    display_name = models.CharField(_("display name"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=100, blank=True)
    specialty = models.CharField(_("specialty"), max_length=200, blank=True)
    bio = models.TextField(_("biography"), blank=True)
    languages = models.CharField(_("languages spoken"), max_length=200, blank=True)
    photo = models.ImageField(_("photo"), upload_to="team-photos/", blank=True)
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_user_unique_per_org"),
        ]
        indexes = [models.Index(fields=["organization", "role", "is_active"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"

    @property
    def name(self) -> str:
        return self.display_name or self.user.full_name or self.user.email

    @property
    def titled_name(self) -> str:
        """The name with the title where people write it: "Dr. Daniel Adams" (a title ending in a full stop
        goes first, once), "Daniel Adams, MD" (letters after the name go after it)."""
        name, title = self.name, self.title.strip()
        if not title or name.lower().startswith(title.lower()) or name.endswith(title):
            return name
        if title.endswith("."):
            return f"{title} {name}"
        return f"{name}, {title}"

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER


@pghistory.track()
class MembershipClinic(TenantModel):
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE)
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "membership", "clinic"], name="membership_clinic_unique"
            ),
        ]


@pghistory.track(exclude=["token_hash"])
class Invitation(TenantModel):
    """A single-use invitation to join an organization with a role at some clinics."""

    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    clinics = models.ManyToManyField(Clinic, through="InvitationClinic", related_name="+", blank=True)
    # Only a hash is stored: the token itself travels in the invitation email and nowhere else.
    token_hash = models.CharField(max_length=64, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=now, editable=False)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["organization", "token_hash"], name="invitation_token_unique"),
        ]
        indexes = [models.Index(fields=["token_hash"])]

    def __str__(self) -> str:
        return self.email

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= now():
            return "expired"
        return "pending"


@pghistory.track()
class InvitationClinic(TenantModel):
    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE)
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "invitation", "clinic"], name="invitation_clinic_unique"
            ),
        ]


@pghistory.track()
class ClinicModule(TenantModel):
    """Whether a module is switched on for a clinic. No row means the module's own default applies."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="module_switches")
    module = models.SlugField(_("module"), max_length=60)
    enabled = models.BooleanField(_("enabled"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "clinic", "module"], name="clinic_module_unique"),
        ]
