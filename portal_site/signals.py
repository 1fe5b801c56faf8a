"""A new clinic gets its portal site as soon as it is committed; team changes keep the CMS editor groups
in step; a module switched on or off, or the clinic's details edited, clear that clinic's cached pages."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django_scopes import scope

from core.tenancy.models import Clinic, ClinicModule, Membership, MembershipClinic


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


@receiver(post_save, dispatch_uid="portal_site_translated_home")
def translated_home_saved(sender, instance, created: bool, raw: bool = False, **kwargs):
    """A clinic's site translated into another language is a sibling tree: its editors may edit it too."""
    from .models import ClinicHomePage
    from .provisioning import editor_group_for_tree

    if raw or not created or not isinstance(instance, ClinicHomePage):
        return
    editor_group_for_tree(instance)


def _sync_for_membership(membership_id: int, organization_id: int) -> None:
    from .provisioning import sync_editors

    with scope(organization=organization_id):
        for clinic in Clinic.objects.filter(organization_id=organization_id):
            sync_editors(clinic)
            # The team section shows members' names, titles, specialties and photos.
            forget_cached_pages_after_commit(clinic.pk)


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
            forget_cached_pages_after_commit(clinic.pk)


def forget_cached_pages_after_commit(clinic_id: int) -> None:
    """Clear the clinic's cached pages once the change is committed: clearing earlier would let a
    concurrent request cache the old state again before the commit."""
    from django.db import transaction

    from .cache import invalidate_clinic

    transaction.on_commit(lambda: invalidate_clinic(clinic_id), robust=True)


@receiver(post_save, sender=ClinicModule, dispatch_uid="portal_site_module_switched")
@receiver(post_delete, sender=ClinicModule, dispatch_uid="portal_site_module_switch_removed")
def module_switched(sender, instance: ClinicModule, raw: bool = False, **kwargs):
    # Pages show or hide module blocks, the booking button and module context by this switch.
    if not raw:
        forget_cached_pages_after_commit(instance.clinic_id)


@receiver(post_save, sender=Clinic, dispatch_uid="portal_site_clinic_edited")
def clinic_edited(sender, instance: Clinic, created: bool, raw: bool = False, **kwargs):
    # Name, address, phone and email appear on every page of the clinic's site.
    if not raw and not created:
        forget_cached_pages_after_commit(instance.pk)


def invalidate_on_publish(sender, instance, **kwargs):
    from .cache import invalidate_page

    invalidate_page(instance)


def connect_wagtail_signals() -> None:
    from wagtail.signals import page_published, page_unpublished

    page_published.connect(invalidate_on_publish, dispatch_uid="portal_site_cache_publish")
    page_unpublished.connect(invalidate_on_publish, dispatch_uid="portal_site_cache_unpublish")
