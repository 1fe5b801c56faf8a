""" "Is it really you?": the password or a current authenticator code, asked before sign-in security changes.

The office forms ask it through ``ConfirmIdentityForm``; the API asks the same question with the same
throttling and the same messages through ``identity_refusal``, so a token alone (a script, or a computer
left signed in) cannot switch sign-in security off.
"""

from __future__ import annotations


def identity_refusal(user, password: str | None, code: str | None) -> str | None:
    """Why ``user``'s proof is not accepted (a translated message), or None when it is."""
    from .forms import ConfirmIdentityForm

    form = ConfirmIdentityForm(user, {"password": password or "", "token": code or ""})
    if form.is_valid():
        return None
    return " ".join(str(message) for message in form.non_field_errors())
