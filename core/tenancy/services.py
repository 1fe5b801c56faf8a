"""State changes for organizations, clinics, module switches, memberships and invitations.

Views parse and authorize; these functions validate, change state inside one transaction, and raise
``ValidationError`` with a translated message when the change is refused (nothing is written then).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from core.integrity import violated_constraint
from core.plugins.manager import registry
from core.tenancy.modules import enabled_modules, forget_enabled_modules

from .context import forget_memberships
from .models import (
    Clinic,
    ClinicModule,
    Invitation,
    InvitationClinic,
    Membership,
    MembershipClinic,
    Organization,
    Role,
)

INVITATION_LIFETIME = timedelta(days=7)


# --- organizations and clinics -------------------------------------------------------------------------


def _free_org_slug(name: str) -> str:
    base = slugify(name)[:50] or "organization"
    slug, n = base, 1
    while Organization.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


# Django's name for the index behind ``Organization.slug``'s ``unique=True``.
ORGANIZATION_SLUG_INDEX = "tenancy_organization_slug_key"


def _create_with_free_slug(name: str) -> Organization:
    """The organization under the first free slug. Two sign-ups of one name at once both see the same slug
    free; the unique index refuses the second, which then takes the next one (never a 500)."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Organization.objects.create(name=name, slug=_free_org_slug(name))
        except IntegrityError as error:
            if violated_constraint(error) != ORGANIZATION_SLUG_INDEX:
                raise
    return Organization.objects.create(name=name, slug=f"{_free_org_slug(name)[:45]}-{secrets.token_hex(4)}")


def clinic_slug_taken(slug: str, exclude_pk: int | None = None) -> bool:
    """Clinic slugs are public web addresses (``/c/<slug>/``), so they are unique across the platform."""
    # scopes_disabled: a public address must not clash with any clinic's, whoever owns it.
    with scopes_disabled():
        taken = Clinic.objects.filter(slug=slug)
        if exclude_pk:
            taken = taken.exclude(pk=exclude_pk)
        return taken.exists()


def free_clinic_slug(name: str) -> str:
    base = slugify(name)[:50] or "clinic"
    slug, n = base, 1
    while clinic_slug_taken(slug):
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def create_organization(owner, name: str, clinic_name: str, **clinic_fields) -> Organization:
    """Sign-up: a new organization, its first clinic, and ``owner`` as its owner at that clinic."""
    organization = _create_with_free_slug(name)
    with scope(organization=organization.pk):
        clinic = create_clinic(organization, name=clinic_name, **clinic_fields)
        membership = Membership.objects.create(organization=organization, user=owner, role=Role.OWNER)
        MembershipClinic.objects.create(organization=organization, membership=membership, clinic=clinic)
    forget_memberships(owner)
    return organization


@transaction.atomic
def create_clinic(organization: Organization, *, name: str, slug: str = "", **fields) -> Clinic:
    slug = slugify(slug) if slug else free_clinic_slug(name)
    if not slug:
        raise ValidationError({"slug": _("Choose a short name made of letters, digits and dashes.")})
    if clinic_slug_taken(slug):
        raise ValidationError({"slug": _("The short name “%(slug)s” is already in use.") % {"slug": slug}})
    clinic = Clinic(organization=organization, name=name, slug=slug, **fields)
    clinic.full_clean()
    try:
        with transaction.atomic():
            clinic.save()
    except IntegrityError:
        raise ValidationError({"slug": _("The short name “%(slug)s” is already in use.") % {"slug": slug}})
    return clinic


ORGANIZATION_FIELDS = (
    "name",
    "default_locale",
    "country",
    "logo",
    "require_two_factor",
    "session_idle_minutes",
    "show_staff_names_to_patients",
)
CLINIC_FIELDS = (
    "name",
    "timezone",
    "locale",
    "currency",
    "address_line1",
    "address_line2",
    "city",
    "postal_code",
    "country",
    "phone",
    "email",
)
PROFILE_FIELDS = ("display_name", "title", "specialty", "languages", "bio", "photo")
IDLE_MINUTES_RANGE = (5, 24 * 60)


def _assign(instance, changes: dict, allowed: tuple[str, ...]) -> list[str]:
    """Copy ``changes`` onto ``instance`` the way a form would (a file field given ``False`` is cleared,
    ``None`` keeps the stored file). Unknown names are refused rather than silently ignored."""
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(unknown)}
        )
    for name, value in changes.items():
        instance._meta.get_field(name).save_form_data(instance, value)
    return list(changes)


@transaction.atomic
def update_organization(organization: Organization, **changes) -> Organization:
    """Organization settings: name, logo, default language and the security policy."""
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    fields = _assign(locked, changes, ORGANIZATION_FIELDS)
    minutes = locked.session_idle_minutes
    low, high = IDLE_MINUTES_RANGE
    if minutes is not None and not low <= minutes <= high:
        raise ValidationError(
            {"session_idle_minutes": _("Choose between 5 minutes and 24 hours (1440 minutes).")}
        )
    locked.full_clean(exclude=["slug"])
    locked.save(update_fields=fields or None)
    for name in fields:
        setattr(organization, name, getattr(locked, name))
    return locked


@transaction.atomic
def update_clinic(clinic: Clinic, *, slug: str = "", **changes) -> Clinic:
    """Edit a clinic's details. Its short name is a public web address, unique across the platform."""
    locked = Clinic.objects.select_for_update().get(pk=clinic.pk)
    fields = _assign(locked, changes, CLINIC_FIELDS)
    if slug:
        slug = slugify(slug)
        if not slug:
            raise ValidationError({"slug": _("Choose a short name made of letters, digits and dashes.")})
        if slug != locked.slug and clinic_slug_taken(slug, exclude_pk=locked.pk):
            taken = _("The short name “%(slug)s” is already in use.") % {"slug": slug}
            raise ValidationError({"slug": taken})
        locked.slug = slug
        fields.append("slug")
    locked.full_clean()
    try:
        with transaction.atomic():
            locked.save(update_fields=fields or None)
    except IntegrityError:
        raise ValidationError({"slug": _("The short name “%(slug)s” is already in use.") % {"slug": slug}})
    return locked


@transaction.atomic
def set_clinic_archived(clinic: Clinic, archived: bool) -> Clinic:
    """Archive (hide, keep every record) or restore a clinic. An organization keeps at least one active
    clinic: without one, no member would have a clinic to work at."""
    # One owner at a time per organization, so two archivings at once cannot leave none active.
    Organization.objects.select_for_update().filter(pk=clinic.organization_id).first()
    locked = Clinic.objects.select_for_update().get(pk=clinic.pk)
    if archived and not locked.archived:
        others = Clinic.objects.filter(organization_id=locked.organization_id, archived=False).exclude(
            pk=locked.pk
        )
        if not others.exists():
            raise ValidationError(
                _("%(clinic)s is the organization's only active clinic; add or restore another one first.")
                % {"clinic": locked.name}
            )
    if locked.archived != archived:
        locked.archived = archived
        locked.save(update_fields=["archived"])
    clinic.archived = archived
    return locked


# --- modules ---------------------------------------------------------------------------------------------


@transaction.atomic
def set_module_enabled(clinic: Clinic, module: str, enabled: bool, by=None) -> None:
    """Switch a module on or off for a clinic. Data is never deleted when a module is switched off.

    Refused when switching on a module whose dependencies are off, or switching off a module that another
    enabled module depends on.
    """
    modules = registry().modules
    if module not in modules:
        raise ValidationError(_("There is no module called “%(module)s”.") % {"module": module})
    # Lock the clinic row so two owners toggling at once see each other's switches.
    Clinic.objects.select_for_update().filter(pk=clinic.pk).first()
    forget_enabled_modules(clinic)
    current = set(enabled_modules(clinic))
    info = modules[module]
    if enabled:
        missing = [modules[d].label for d in info.depends_on if d not in current]
        if missing:
            raise ValidationError(
                _("%(module)s needs %(missing)s switched on first.")
                % {"module": info.label, "missing": ", ".join(str(m) for m in missing)}
            )
    else:
        dependants = [m.label for m in modules.values() if module in m.depends_on and m.slug in current]
        if dependants:
            raise ValidationError(
                _("Switch off %(dependants)s first: it depends on %(module)s.")
                % {"dependants": ", ".join(str(d) for d in dependants), "module": info.label}
            )
    ClinicModule.objects.update_or_create(
        organization=clinic.organization,
        clinic=clinic,
        module=module,
        defaults={"enabled": enabled, "changed_by": by, "changed_at": timezone.now()},
    )
    forget_enabled_modules(clinic)


# --- team ------------------------------------------------------------------------------------------------


def _active_owner_count(organization_id: int) -> int:
    return Membership.objects.filter(organization_id=organization_id, role=Role.OWNER, is_active=True).count()


def _lock_owners(organization_id: int) -> None:
    # Serialize role changes per organization so two concurrent demotions cannot remove both owners.
    Organization.objects.select_for_update().filter(pk=organization_id).first()


@transaction.atomic
def change_member(membership: Membership, *, role: str | None = None, clinics=None, by=None) -> Membership:
    _lock_owners(membership.organization_id)
    membership.refresh_from_db()
    if role is not None and role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    if (
        role is not None
        and membership.role == Role.OWNER
        and role != Role.OWNER
        and membership.is_active
        and _active_owner_count(membership.organization_id) <= 1
    ):
        raise ValidationError({"role": _("An organization must keep at least one owner.")})
    if role is not None:
        membership.role = role
        membership.save(update_fields=["role"])
    if clinics is not None:
        set_member_clinics(membership, clinics)
    forget_memberships(membership.user)
    return membership


def set_member_clinics(membership: Membership, clinics) -> None:
    wanted = {c.pk for c in clinics}
    if any(c.organization_id != membership.organization_id for c in clinics):
        raise ValidationError({"clinics": _("Choose clinics of this organization.")})
    MembershipClinic.objects.filter(membership=membership).exclude(clinic_id__in=wanted).delete()
    have = set(MembershipClinic.objects.filter(membership=membership).values_list("clinic_id", flat=True))
    MembershipClinic.objects.bulk_create(
        MembershipClinic(organization_id=membership.organization_id, membership=membership, clinic_id=pk)
        for pk in wanted - have
    )


@transaction.atomic
def set_member_active(membership: Membership, active: bool, by=None) -> Membership:
    _lock_owners(membership.organization_id)
    membership.refresh_from_db()
    if (
        not active
        and membership.role == Role.OWNER
        and membership.is_active
        and _active_owner_count(membership.organization_id) <= 1
    ):
        raise ValidationError(_("An organization must keep at least one active owner."))
    membership.is_active = active
    membership.save(update_fields=["is_active"])
    forget_memberships(membership.user)
    return membership


@transaction.atomic
def update_profile(membership: Membership, **changes) -> Membership:
    """A team member's profile: display name, title, specialty, languages, bio and photo."""
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    fields = _assign(locked, changes, PROFILE_FIELDS)
    locked.full_clean(exclude=["user"])
    locked.save(update_fields=fields or None)
    forget_memberships(locked.user)
    return locked


# --- invitations -----------------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invite_member(
    organization: Organization, *, email: str, role: str, clinics, by
) -> tuple[Invitation, str]:
    """Create an invitation and return it with its token (the token is shown/sent once, stored hashed)."""
    email = (email or "").strip().lower()
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError(
            {"email": _("%(email)s is already a member of this organization.") % {"email": email}}
        )
    if any(c.organization_id != organization.pk for c in clinics):
        raise ValidationError({"clinics": _("Choose clinics of this organization.")})
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        token_hash=hash_token(token),
        invited_by=by,
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    InvitationClinic.objects.bulk_create(
        InvitationClinic(organization=organization, invitation=invitation, clinic=c) for c in clinics
    )
    return invitation, token


@transaction.atomic
def renew_invitation(invitation: Invitation) -> str:
    """Resend: a fresh token and expiry; the old link stops working."""
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError(_("This invitation can no longer be sent."))
    token = secrets.token_urlsafe(32)
    invitation.token_hash = hash_token(token)
    invitation.expires_at = timezone.now() + INVITATION_LIFETIME
    invitation.save(update_fields=["token_hash", "expires_at"])
    return token


@transaction.atomic
def revoke_invitation(invitation: Invitation) -> None:
    if invitation.accepted_at:
        raise ValidationError(_("This invitation was already accepted."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])


def find_invitation(token: str) -> Invitation | None:
    """The invitation a token belongs to, whatever its state (callers check ``status``)."""
    if not token or len(token) > 200:
        return None
    # scopes_disabled: an invitation link is how an outsider first reaches an organization.
    with scopes_disabled():
        return Invitation.objects.select_related("organization").filter(token_hash=hash_token(token)).first()


def invitation_problem(invitation: Invitation | None) -> str | None:
    if invitation is None:
        return _("This invitation link is not valid. Ask for a new invitation.")
    status = invitation.status
    if status == "accepted":
        return _("This invitation has already been used.")
    if status == "revoked":
        return _("This invitation was withdrawn. Ask for a new invitation.")
    if status == "expired":
        return _("This invitation has expired. Ask for a new invitation.")
    return None


@transaction.atomic
def accept_invitation(invitation: Invitation, user) -> Membership:
    """Join the organization as the invitation says. Single use: a second acceptance is refused."""
    with scope(organization=invitation.organization_id):
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        problem = invitation_problem(locked)
        if problem:
            raise ValidationError(problem)
        if user.email.lower() != locked.email.lower():
            raise ValidationError(
                _("This invitation was sent to %(email)s. Sign in with that address to accept it.")
                % {"email": locked.email}
            )
        membership = Membership.objects.filter(organization_id=locked.organization_id, user=user).first()
        if membership is None:
            membership = Membership.objects.create(
                organization_id=locked.organization_id, user=user, role=locked.role
            )
        else:
            membership.role = locked.role
            membership.is_active = True
            membership.save(update_fields=["role", "is_active"])
        clinics = list(Clinic.objects.filter(pk__in=locked.invitationclinic_set.values("clinic_id")))
        set_member_clinics(membership, clinics)
        Invitation.objects.filter(pk=locked.pk).update(accepted_at=timezone.now(), accepted_by=user)
    forget_memberships(user)
    return membership


def next_record_number(organization_id: int) -> int:
    """Take the organization's next medical record number: one atomic UPDATE ... RETURNING, so two
    concurrent registrations never get the same number and none is reused."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tenancy_organization SET next_record_number = next_record_number + 1 "
            "WHERE id = %s RETURNING next_record_number - 1",
            [organization_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise ValidationError(_("Unknown organization."))
    return row[0]
