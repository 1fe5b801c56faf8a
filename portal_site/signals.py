"""A new clinic gets its portal site as soon as it is committed; team changes keep the CMS editor groups
in step."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django_scopes import scope

from core.tenancy.models import Clinic, Membership, MembershipClinic


@receiver(post_save, sender=Clinic, dispatch_uid="portal_site_provision_clinic")
def provision_new_clinic(sender, instance: Clinic, created: bool, raw: bool = False, **kwargs):
    if raw or not created:
        return
    from django.db import transaction

    from .provisioning import provision_clinic_site

    # Once the clinic is committed, in its own transaction: a site that failed to provision is made by
    # `manage.py provision_portals` (idempotent) without ever undoing the clinic itself.
    clinic_id, organization_id = instance.pk, instance.organization_id

    def provision():
        with scope(organization=organization_id):
            clinic = Clinic.objects.filter(organization_id=organization_id, pk=clinic_id).first()
            if clinic is not None:
                provision_clinic_site(clinic)

    transaction.on_commit(provision, robust=True)


def _sync_for_membership(membership_id: int, organization_id: int) -> None:
    from .provisioning import sync_editors

    with scope(organization=organization_id):
        for clinic in Clinic.objects.filter(organization_id=organization_id):
            sync_editors(clinic)


@receiver(post_save, sender=Membership, dispatch_uid="portal_site_membership_saved")
def membership_saved(sender, instance: Membership, raw: bool = False, **kwargs):
    if not raw:
        _sync_for_membership(instance.pk, instance.organization_id)


@receiver(post_save, sender=MembershipClinic, dispatch_uid="portal_site_membership_clinic_saved")
@receiver(post_delete, sender=MembershipClinic, dispatch_uid="portal_site_membership_clinic_deleted")
def membership_clinic_changed(sender, instance: MembershipClinic, raw: bool = False, **kwargs):
    if raw:
        return
    from .provisioning import sync_editors

    with scope(organization=instance.organization_id):
        clinic = Clinic.objects.filter(
            organization_id=instance.organization_id, pk=instance.clinic_id
        ).first()
        if clinic is not None:
            sync_editors(clinic)


def invalidate_on_publish(sender, instance, **kwargs):
    from .cache import invalidate_page

    invalidate_page(instance)


def connect_wagtail_signals() -> None:
    from wagtail.signals import page_published, page_unpublished

    page_published.connect(invalidate_on_publish, dispatch_uid="portal_site_cache_publish")
    page_unpublished.connect(invalidate_on_publish, dispatch_uid="portal_site_cache_unpublish")
