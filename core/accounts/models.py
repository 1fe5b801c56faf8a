"""People who sign in: owners, practitioners, staff and patients all have a User (email login).

What a user may do comes from their Membership in an organization (team) or their PatientAccount links
(patients), never from the User row itself.
"""

from __future__ import annotations

import pghistory
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)

    def create_user(self, email: str, password: str | None = None, **extra):
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


@pghistory.track(exclude=["password", "last_login"])
class User(AbstractBaseUser, PermissionsMixin):
    # Stored lower-cased (see save), so the unique index is case-insensitive in effect.
    email = models.EmailField(_("email"), max_length=254, unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=10, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Platform operators only (Django's own admin is not mounted); clinic roles live in Membership.
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Bumped by "sign out my other sessions": sessions carrying an older value are ended.
    session_generation = models.PositiveIntegerField(default=0)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)


@pghistory.track(exclude=["token_hash"])
class ApiToken(models.Model):
    """A personal API token: belongs to one user and works for one organization only.

    The token is shown once when created; only its SHA-256 hash is stored.
    """

    organization = models.ForeignKey("tenancy.Organization", on_delete=models.CASCADE)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="personal_api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, editable=False)
    token_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("API token")
        constraints = [
            models.UniqueConstraint(fields=["organization", "token_hash"], name="api_token_hash_unique"),
        ]
        indexes = [models.Index(fields=["token_hash"], name="api_token_lookup")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


@pghistory.track(pghistory.InsertEvent())
class SecurityEvent(models.Model):
    """A step on a person's own account security that the history keeps: the account belongs to no one
    organization, so these rows stand beside the organizations' change history rather than inside it."""

    class Kind(models.TextChoices):
        RECOVERY_CODES_CREATED = "recovery_codes_created", _("Recovery codes created")
        RECOVERY_CODE_USED = "recovery_code_used", _("Recovery code used to sign in")
        TWO_FACTOR_OFF = "two_factor_off", _("Two-factor sign-in switched off")
        APP_ACCESS_REVOKED = "app_access_revoked", _("An app's access to the record taken back")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="security_events")
    kind = models.CharField(_("what happened"), max_length=40, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("security event")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} {self.kind}"
