"""SMART App Launch 2.0 scopes: ``<context>/<resource type or *>.<permissions>``.

Permissions are any of ``c r u d s`` in that order (v2), or the v1 words ``read`` / ``write`` / ``*``,
which SMART 2.0 servers still accept. ``patient/`` reaches the one patient the app was launched for,
``user/`` what the signed-in member may see, ``system/`` the whole organization (backend services).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

CONTEXTS = ("patient", "user", "system")
# Scopes that carry no data access but that SMART apps ask for; accepted and granted as asked.
LAUNCH_SCOPES = frozenset({"openid", "fhirUser", "launch/patient", "offline_access", "online_access"})

_SCOPE = re.compile(r"^(patient|user|system)/(\*|[A-Z][A-Za-z]{1,63})\.(read|write|\*|c?r?u?d?s?)$")
_V1 = {"read": "rs", "write": "cud", "*": "cruds"}

# What each FHIR interaction needs.
INTERACTION_PERMISSION = {"read": "r", "search-type": "s", "create": "c", "update": "u", "delete": "d"}


@dataclass(frozen=True)
class SmartScope:
    context: str
    resource_type: str
    permissions: frozenset[str]

    def allows(self, resource_type: str, interaction: str) -> bool:
        wanted = INTERACTION_PERMISSION[interaction]
        return self.resource_type in ("*", resource_type) and wanted in self.permissions


def parse_scope(text: str) -> SmartScope | None:
    """The SMART scope ``text`` names, or None when it is not one (``launch/patient`` etc. included)."""
    match = _SCOPE.match(text or "")
    if not match or not match.group(3):
        return None
    context, resource_type, permissions = match.groups()
    return SmartScope(context, resource_type, frozenset(_V1.get(permissions, permissions)))


def is_valid_scope(text: str, context: str) -> bool:
    """Whether an app whose kind allows ``context`` may ask for ``text``."""
    if text in LAUNCH_SCOPES:
        return context == "patient" or text != "launch/patient"
    parsed = parse_scope(text)
    return parsed is not None and parsed.context == context


@dataclass(frozen=True)
class Grants:
    """The data scopes a credential carries."""

    scopes: tuple[SmartScope, ...]

    @classmethod
    def from_text(cls, text: str) -> Grants:
        return cls(tuple(s for s in map(parse_scope, (text or "").split()) if s is not None))

    def allows(self, resource_type: str, interaction: str) -> bool:
        return any(s.allows(resource_type, interaction) for s in self.scopes)


def describe(text: str) -> str:
    """What a scope lets an app do, in words a patient or a member reads on the consent page."""
    fixed = {
        "openid": _("Know who you are"),
        "fhirUser": _("Know who you are"),
        "launch/patient": _("Know which patient record you chose"),
        "offline_access": _("Keep its access while you are away"),
        "online_access": _("Keep its access while you are signed in"),
    }
    if text in fixed:
        return fixed[text]
    scope = parse_scope(text)
    if scope is None:
        return text
    verbs = []
    if scope.permissions & {"r", "s"}:
        verbs.append(_("read"))
    if "c" in scope.permissions:
        verbs.append(_("create"))
    if "u" in scope.permissions:
        verbs.append(_("change"))
    if "d" in scope.permissions:
        verbs.append(_("delete"))
    names = {
        "*": _("everything"),
        "Patient": _("patient details"),
        "Appointment": _("appointments"),
        "Slot": _("free appointment times"),
        "Invoice": _("invoices"),
        "Practitioner": _("the clinic's team"),
        "Location": _("the clinic's addresses"),
        "Encounter": _("visits"),
        "Condition": _("problems"),
        "AllergyIntolerance": _("allergies"),
        "MedicationStatement": _("medications"),
        "Observation": _("vital signs"),
        "DocumentReference": _("visit notes"),
        "Binary": _("documents"),
        "Provenance": _("who signed the notes"),
        "Consent": _("agreements to the privacy notice"),
    }
    what = names.get(scope.resource_type, scope.resource_type)
    whose = {
        "patient": _("in this patient record"),
        "user": _("that you may see"),
        "system": _("of the organization"),
    }[scope.context]
    return _("%(verbs)s: %(what)s %(whose)s") % {
        "verbs": ", ".join(verbs).capitalize(),
        "what": what,
        "whose": whose,
    }
