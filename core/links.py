"""Absolute addresses for links that leave the request, above all the links in emails.

They start from ``settings.EHR_BASE_URL``, never from the request's Host header: the client chooses the
Host, and a clinic's verified domain is served by this same app, so an address built from the Host of a
password-reset request made through Beta's domain would carry Alpha's reset token to Beta's server.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings


def platform_url(path: str = "/") -> str:
    """``path`` on the platform's own address (``https://ehr.example.com/accounts/...``)."""
    return settings.EHR_BASE_URL.rstrip("/") + "/" + path.lstrip("/")


def platform_scheme() -> str:
    """``https`` or ``http``, as the platform is served (clinic domains are served the same way)."""
    return urlsplit(settings.EHR_BASE_URL).scheme or "https"
