"""The words of the access log: what kind of data was shown, what was done with it, through which door."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    DEMOGRAPHICS = "demographics", _("Demographics")
    APPOINTMENTS = "appointments", _("Appointments")
    INVOICES = "invoices", _("Invoices")
    CLINICAL_NOTES = "clinical_notes", _("Clinical notes")
    VITALS = "vitals", _("Vital signs")
    CLINICAL_LISTS = "clinical_lists", _("Allergies, medications and problems")
    FILES = "files", _("Files")
    EXPORTS = "exports", _("Data exports")
    AUDIT_LOG = "audit_log", _("Audit log")


class Action(models.TextChoices):
    VIEW = "view", _("Viewed")
    LIST = "list", _("Listed in results")
    PRINT = "print", _("Printed (PDF)")
    DOWNLOAD = "download", _("Downloaded")
    EXPORT = "export", _("Exported")


class Channel(models.TextChoices):
    OFFICE = "office", _("Back office")
    API = "api", _("API")
    PORTAL = "portal", _("Patient portal")
    FHIR = "fhir", _("FHIR")
