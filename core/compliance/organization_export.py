"""Everything an organization keeps, for an owner leaving the service: one JSON file per table (Django's
serialization format, so it can be loaded again with ``loaddata``) and every stored file (invoice PDFs,
chart files, logos), in one ZIP.

Tables are found, not listed: every model with an ``organization`` key belongs to a tenant, so a new
module's tables are in the export without a change here. The change history (pghistory event tables)
is left out: it is the audit trail of this service, and the audit log page exports it.
"""

from __future__ import annotations

import io
import tempfile
import zipfile

from django.apps import apps
from django.core import serializers
from django.db import models

from core.tenancy.models import Organization


def tenant_models() -> list[type[models.Model]]:
    found = [
        model
        for model in apps.get_models()
        if any(f.name == "organization" for f in model._meta.fields)
        and not hasattr(model, "pgh_tracked_model")
    ]
    return sorted(found, key=lambda m: m._meta.label)


def write_organization_zip(organization: Organization):
    """A temporary file with the ZIP; runs inside the organization's scope (one query per table, rows
    streamed, files copied one at a time)."""
    # Handed to the response, which closes it once sent.
    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        itself = Organization.objects.filter(pk=organization.pk)
        _write_table(archive, "organization.json", itself)
        _copy_files(archive, Organization, itself)
        for model in tenant_models():
            rows = model.objects.filter(organization_id=organization.pk).order_by("pk")
            _write_table(archive, f"tables/{model._meta.label_lower}.json", rows)
            _copy_files(archive, model, rows)
    spool.seek(0)
    return spool


def _write_table(archive: zipfile.ZipFile, name: str, rows) -> None:
    with archive.open(name, "w") as raw, io.TextIOWrapper(raw, encoding="utf-8") as text:
        serializers.serialize("json", rows.iterator(chunk_size=500), stream=text, indent=1)


def _copy_files(archive: zipfile.ZipFile, model, rows) -> None:
    file_fields = [f.name for f in model._meta.fields if isinstance(f, models.FileField)]
    if not file_fields:
        return
    for values in rows.values_list(*file_fields):
        for stored in values:
            if not stored:
                continue
            storage = model._meta.get_field(file_fields[0]).storage
            if not storage.exists(stored):
                continue
            with storage.open(stored, "rb") as handle, archive.open(f"files/{stored}", "w") as out:
                while chunk := handle.read(1024 * 1024):
                    out.write(chunk)
