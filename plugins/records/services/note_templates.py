"""Note templates: the shipped defaults, saving a template (always as a new version), deleting a version."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from core.tenancy.models import Organization

from ..default_templates import SHIPPED
from ..models import Note, NoteTemplate, NoteTemplateVersion
from ..template_schema import validate_schema


def ensure_shipped_templates(organization: Organization) -> None:
    """Give ``organization`` the shipped templates it does not have yet (idempotent, race-safe: the
    template's unique name decides)."""
    have = set(
        NoteTemplate.objects.filter(organization=organization)
        .exclude(shipped_key="")
        .values_list("shipped_key", flat=True)
    )
    for key, name, schema in SHIPPED:
        if key in have:
            continue
        try:
            with transaction.atomic():
                template = NoteTemplate.objects.create(organization=organization, name=name, shipped_key=key)
                NoteTemplateVersion.objects.create(
                    organization=organization, template=template, number=1, schema=schema
                )
        except IntegrityError:
            continue  # another request created it meanwhile, or a template of that name exists


@transaction.atomic
def save_template(
    organization: Organization, *, name: str, schema: object, by, template: NoteTemplate | None = None
) -> NoteTemplateVersion:
    """Create a template, or give ``template`` a new version: published versions never change, so notes
    written from them keep rendering as they were written."""
    schema = validate_schema(schema)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the template a name.")})
    clash = NoteTemplate.objects.filter(organization=organization, name=name)
    if template is not None:
        clash = clash.exclude(pk=template.pk)
    if clash.exists():
        raise ValidationError({"name": _("A template with this name exists already.")})
    if template is None:
        template = NoteTemplate.objects.create(organization=organization, name=name)
    else:
        # Lock the template so two editors saving at once get versions n+1 and n+2, not a clash.
        template = NoteTemplate.objects.select_for_update().get(pk=template.pk)
        if template.name != name:
            template.name = name
            template.save(update_fields=["name"])
    number = (template.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    return NoteTemplateVersion.objects.create(
        organization=organization, template=template, number=number, schema=schema, created_by=by
    )


@transaction.atomic
def delete_version(version: NoteTemplateVersion) -> None:
    """Delete a template version no note uses; a version in use is refused (its notes render with it)."""
    version = NoteTemplateVersion.objects.select_for_update().get(pk=version.pk)
    if Note.objects.filter(organization_id=version.organization_id, template_version=version).exists():
        raise ValidationError(
            _("Version %(n)s of “%(t)s” is used by notes, so it is kept.")
            % {"n": version.number, "t": version.template.name}
        )
    if version.template.versions.count() == 1:
        raise ValidationError(_("A template keeps at least one version; archive the template instead."))
    version.delete()


def current_versions(organization: Organization) -> list[NoteTemplateVersion]:
    """The latest version of each active template, for the "new note" picker."""
    ensure_shipped_templates(organization)
    versions = (
        NoteTemplateVersion.objects.filter(organization=organization, template__archived=False)
        .select_related("template")
        .order_by("template_id", "-number")
        .distinct("template_id")
    )
    return sorted(versions, key=lambda v: str(v.template.name))
