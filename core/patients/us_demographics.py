"""US Core demographics: race and ethnicity in the OMB categories (CDC Race & Ethnicity codes), with
"asked but declined", and sex assigned at birth. They are asked and shown only where the organization's
country pack is the United States' (ONC's USCDI); elsewhere the form and the record leave them out.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

RACE_ETHNICITY_SYSTEM = "urn:oid:2.16.840.1.113883.6.238"
NULL_FLAVOR_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-NullFlavor"
DECLINED = "ASKU"


class Race(models.TextChoices):
    AMERICAN_INDIAN = "1002-5", _("American Indian or Alaska Native")
    ASIAN = "2028-9", _("Asian")
    BLACK = "2054-5", _("Black or African American")
    PACIFIC_ISLANDER = "2076-8", _("Native Hawaiian or Other Pacific Islander")
    WHITE = "2106-3", _("White")
    DECLINED = DECLINED, _("Asked but declined")


class Ethnicity(models.TextChoices):
    HISPANIC = "2135-2", _("Hispanic or Latino")
    NOT_HISPANIC = "2186-5", _("Not Hispanic or Latino")
    DECLINED = DECLINED, _("Asked but declined")


class BirthSex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")
    UNKNOWN = "UNK", _("Unknown")


# The codes' own display names (English, as the code systems publish them), for FHIR codings.
DISPLAY = {
    "1002-5": "American Indian or Alaska Native",
    "2028-9": "Asian",
    "2054-5": "Black or African American",
    "2076-8": "Native Hawaiian or Other Pacific Islander",
    "2106-3": "White",
    "2135-2": "Hispanic or Latino",
    "2186-5": "Not Hispanic or Latino",
    DECLINED: "asked but declined",
}

DEMOGRAPHIC_FIELDS = ("race", "ethnicity", "birth_sex")


def asked_in(organization) -> bool:
    """Whether ``organization`` records these demographics: its country pack asks for them (the United
    States' does, for USCDI); a country is added by its pack, never by a branch here."""
    from core.compliance.packs import pack_for

    pack = pack_for(organization)
    return pack is not None and set(DEMOGRAPHIC_FIELDS) <= set(pack.asked_demographics)
