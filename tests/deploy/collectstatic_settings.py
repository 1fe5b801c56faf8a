"""settings.prod for the test's collectstatic step only: the same files, hashed names and manifest, without
WhiteNoise's gzip and Brotli copies of every file (about a minute of CPU for Wagtail's and ninja's bundles).
The app itself then runs with settings.prod unchanged; Caddy's ``encode`` compresses the responses."""

from settings.prod import *  # noqa: F403
from settings.prod import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
