"""The one spelling of an email used to sign in, and to count failed sign-ins against.

``Doctor@Beta.test``, `` doctor@beta.test `` and a full-width ``ｄｏｃｔｏｒ@beta.test`` name the same login.
Authentication matched them case-insensitively while django-axes counted failures per exact string, so
changing the case of the email started a fresh count: a locked login could be guessed at, and signed into,
by writing its email differently. Both now see the same key.
"""

from __future__ import annotations

import unicodedata


def login_key(value: str | None) -> str:
    """``value`` without surrounding spaces, in Unicode NFKC form, case-folded."""
    return unicodedata.normalize("NFKC", (value or "").strip()).casefold()


def axes_username(request, credentials: dict | None = None) -> str:
    """django-axes' ``AXES_USERNAME_CALLABLE``: the login key of the email being tried."""
    if credentials and credentials.get("username") is not None:
        return login_key(credentials["username"])
    data = getattr(request, "POST", None) or {}
    return login_key(data.get("username"))
