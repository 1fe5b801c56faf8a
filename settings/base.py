"""Settings shared by every environment. Twelve-factor: anything secret or host-specific comes from the
environment; the environment-specific modules (dev, test, prod) only adjust what differs."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from core.plugins.discovery import plugin_apps

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("EHR_VAR_DIR", BASE_DIR / "var"))

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "pgtrigger",
    "pghistory",
    "rules.apps.AutodiscoverRulesConfig",
    "django_q",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_htmx",
    "ninja",
    # Wagtail powers the clinics' public portal sites only.
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    # Portal pages in several languages: Wagtail's own i18n and its "Translate" action.
    "wagtail.locales",
    "wagtail.contrib.simple_translation",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # The product.
    "core",
    "core.tenancy",
    "core.accounts",
    "core.patients",
    "core.plugins",
    "core.audit",
    "core.api",
    "core.office",
    "core.domains",
    "core.health",
    # The FHIR R4 front door and its SMART on FHIR sign-in (OAuth 2 through django-oauth-toolkit).
    "oauth2_provider",
    "core.fhir",
    "core.compliance",
    "portal_site",
    *plugin_apps(),
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # A verified clinic domain is answered by that clinic's portal; unknown hosts get a neutral page.
    "portal_site.routing.PortalHostMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Text PostgreSQL cannot store (NUL, lone surrogates) is refused before any form or search sees it.
    "core.text.UnstorableTextMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "core.api.middleware.ApiTokenMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.accounts.middleware.SessionPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Each request shows times in its clinic's zone once the clinic is known, and forgets it afterwards.
    "core.tenancy.clinic_time.ClinicTimeMiddleware",
    "core.tenancy.middleware.TenantScopeMiddleware",
    # After the person and their organization are known: their language, else the organization's.
    "core.accounts.language.LanguageMiddleware",
    # CMS editors reach only their own clinics' trees, images and documents.
    "portal_site.cms_guard.CmsGuardMiddleware",
    "core.accounts.middleware.TwoFactorPolicyMiddleware",
    "core.audit.middleware.AuditContextMiddleware",
    # What each answer showed of which patient, written as one INSERT once the response is ready.
    "core.audit.recording.AccessLogMiddleware",
    # A practitioner reaching a chart outside their care is sent to the reason page (core.audit.break_glass).
    "core.audit.break_glass.BreakGlassMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, so that a locked-out login is answered with our own page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "core.urls"
WSGI_APPLICATION = "core.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "core.tenancy.context_processors.tenant",
                "core.office.context_processors.office",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/clinic_ehr"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# Django's PostgreSQL backend whose health check asks the server nothing while the connection is quiet
# (core/postgresql/base.py): no ``SELECT 1`` round trip before each request's first query.
DATABASES["default"]["ENGINE"] = "core.postgresql"
# pgtrigger's triggers (audit history, frozen invoices, append-only ledgers) first read which triggers to
# skip from the setting ``pgtrigger.ignore``. Unset, that read raises and catches an error: a rolled-back
# subtransaction in every audited write, which also makes PostgreSQL walk the transaction's queue of
# deferred foreign-key checks. An empty list as the session's default skips nothing and costs nothing;
# ``pgtrigger.ignore()`` still sets its own list for a transaction, and resets back to this default.
_db_options = DATABASES["default"].setdefault("OPTIONS", {})
_db_options["options"] = " ".join(filter(None, [_db_options.get("options"), "-c pgtrigger.ignore={}"]))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # axes first: it refuses locked-out logins before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "core.accounts.backends.EmailBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "office:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions live in the database (a session outlives a cache flush or restart) and are read through the
# cache: every signed-in request reads its session, and a cache read costs no query when the cache is not
# the database (Redis in production with REDIS_URL). "Sign out my other sessions" and idle timeouts do not
# depend on where a session is stored (a generation number on the user, a last-seen stamp in the session).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12
# Minutes of inactivity after which a member is signed out, unless the organization sets its own.
EHR_SESSION_IDLE_MINUTES = int(os.environ.get("EHR_SESSION_IDLE_MINUTES", "30"))

# django-axes: five failed attempts for an email from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
# Failures are counted per normalised email (trimmed, NFKC, case-folded), as authentication matches it.
AXES_USERNAME_CALLABLE = "core.accounts.usernames.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.accounts.views.lockout"
AXES_VERBOSE = False

OTP_TOTP_ISSUER = "Clinic EHR"

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("de", _("German")),
    ("es", _("Spanish")),
    ("ar", _("Arabic")),
]
# Arabic is written right to left: templates read LANGUAGE_BIDI (Django knows it from the code) for dir="rtl".
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("EHR_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Clinic EHR <no-reply@localhost>")

# django-q2 keeps its queue in PostgreSQL: one less service to run for a small clinic.
Q_CLUSTER = {
    "name": "ehr",
    "orm": "default",
    "workers": int(os.environ.get("Q_WORKERS", "2")),
    "timeout": 120,
    "retry": 180,
    "max_attempts": 5,
    "catch_up": False,
    "poll": 1,
    "ack_failures": True,
    # Successful tasks are not stored (failures always are): django-q2 keeps its last N successes by
    # locking and reading every stored one (N rows of pickled arguments and results) at the end of each
    # task: with 250 kept, 4 ms of CPU per task on the benchmark machine (a booking queues two tasks),
    # and its own transaction. Q_SAVE_LIMIT=250 (say) keeps them again.
    "save_limit": int(os.environ.get("Q_SAVE_LIMIT", "-1")),
    "label": "Background tasks",
}

WAGTAIL_SITE_NAME = "Clinic portals"
# A clinic may publish its portal pages in each shipped language (portal_site/translations.py).
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
# The platform's public address. Every link the app emails (password resets, invitations, confirmations)
# starts here, never from the Host header of the request that caused the email: a Host is chosen by the
# client, so a reset asked for through a clinic's domain would otherwise carry its token to that domain.
EHR_BASE_URL = os.environ.get("EHR_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
WAGTAILADMIN_BASE_URL = EHR_BASE_URL
WAGTAILADMIN_LOGIN_URL = "accounts:login"
# Uploaded images are decoded completely before Wagtail stores them (a damaged file is a form error).
WAGTAILIMAGES_IMAGE_FORM_BASE = "portal_site.cms_images.CheckedImageForm"

NINJA_PAGINATION_PER_PAGE = 50

# Plugins: EHR_DISABLE_ENTRYPOINT_PLUGINS=1 loads only the built-in ones; EHR_TRACE_HOOKS=1 logs every call.
EHR_TRACE_HOOKS = os.environ.get("EHR_TRACE_HOOKS") == "1"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Audit: every insert, update and delete on a tracked table is recorded by a database trigger, and the event
# tables themselves refuse updates and deletes.
import pghistory  # noqa: E402

PGHISTORY_DEFAULT_TRACKERS = (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
PGHISTORY_APPEND_ONLY = True
# Months of no appointment or encounter after which a practitioner gives a reason before opening a chart,
# for organizations that have not set their own (core.audit.break_glass); 0 switches it off.
EHR_BREAK_GLASS_DEFAULT_MONTHS = 12

# SMART App Launch 2.0 on django-oauth-toolkit: authorization code with PKCE (S256 only) for patient and
# clinician apps, client credentials for backend services. Scopes are SMART's own grammar, so the
# validator checks them (core/fhir/oauth.py) instead of a fixed list.
OAUTH2_PROVIDER = {
    "PKCE_REQUIRED": True,
    # OAuth 2.0 Security BCP (RFC 9700): S256 only, no implicit or password grants, tokens only in the
    # Authorization header, tokens stored hashed, a replayed refresh token revokes its whole family.
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "OAUTH2_VALIDATOR_CLASS": "core.fhir.oauth.SmartValidator",
    "SCOPES_BACKEND_CLASS": "core.fhir.oauth.SmartScopes",
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 120,
    "REQUEST_APPROVAL_PROMPT": "auto",
}
# django-oauth-toolkit's models, named so migrations that refer to them resolve (the toolkit's own).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"

# The version of the service's terms and privacy notice members agree to at sign-up; raise it when the
# text changes (EHR_SERVICE_TERMS_URL points at the text, shown next to the sign-up checkbox).
EHR_SERVICE_TERMS_VERSION = os.environ.get("EHR_SERVICE_TERMS_VERSION", "2026-01")
EHR_SERVICE_TERMS_URL = os.environ.get("EHR_SERVICE_TERMS_URL", "")
