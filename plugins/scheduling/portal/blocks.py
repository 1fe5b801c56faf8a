"""Blocks scheduling offers to every portal page (``ehr_portal_blocks``): a booking widget, the clinic's
opening hours and its price list. The portal renders nothing for them where scheduling is off.

Each block reads its clinic from the page's context (``clinic``, set by the portal), so what it shows is
always that clinic's. Pages with these blocks are cached: changes to working hours, closures or services
clear the clinic's cached pages once committed (``keep_portal_pages_fresh``).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import blocks


def _clinic(parent_context):
    return (parent_context or {}).get("clinic")


class BookingWidgetBlock(blocks.StructBlock):
    """Service and day pickers that lead to the booking page, where the free times are found live."""

    heading = blocks.CharBlock(label=_("heading"), max_length=120, default=_("Book online"))
    text = blocks.TextBlock(label=_("text"), required=False, max_length=500)

    class Meta:
        icon = "date"
        label = _("Booking widget")
        template = "scheduling/portal/booking_widget.html"

    def get_context(self, value, parent_context=None):
        from ..selectors import active_services, booking_policy

        context = super().get_context(value, parent_context)
        clinic = _clinic(parent_context)
        if clinic is None:
            return context
        mode = booking_policy(clinic).online_mode
        context["online_mode"] = mode
        context["services"] = (
            list(active_services(clinic).filter(bookable_online=True).order_by("name", "id"))
            if mode != "off"
            else []
        )
        context["today"] = timezone.now().astimezone(clinic.tzinfo).date()
        return context


class OpeningHoursBlock(blocks.StructBlock):
    """The clinic's opening hours from its practitioners' working hours, with upcoming closures."""

    heading = blocks.CharBlock(label=_("heading"), max_length=120, default=_("Opening hours"))
    show_closures = blocks.BooleanBlock(label=_("show upcoming closures"), required=False, default=True)

    class Meta:
        icon = "time"
        label = _("Opening hours")
        template = "scheduling/portal/opening_hours.html"

    def get_context(self, value, parent_context=None):
        from ..opening_hours import opening_week, upcoming_closures

        context = super().get_context(value, parent_context)
        clinic = _clinic(parent_context)
        if clinic is None:
            return context
        today = timezone.now().astimezone(clinic.tzinfo).date()
        context["week"] = opening_week(clinic, today)
        context["closures"] = upcoming_closures(clinic, today) if value.get("show_closures") else []
        return context


class PriceListBlock(blocks.StructBlock):
    """The services bookable online with their duration and price."""

    heading = blocks.CharBlock(label=_("heading"), max_length=120, default=_("Prices"))
    intro = blocks.TextBlock(label=_("introduction"), required=False, max_length=500)

    class Meta:
        icon = "list-ul"
        label = _("Price list")
        template = "scheduling/portal/price_list.html"

    def get_context(self, value, parent_context=None):
        from ..selectors import active_services

        context = super().get_context(value, parent_context)
        clinic = _clinic(parent_context)
        if clinic is not None:
            context["services"] = list(
                active_services(clinic).filter(bookable_online=True).order_by("name", "id")
            )
        return context


def portal_blocks() -> list[tuple[str, blocks.Block]]:
    return [
        ("booking_widget", BookingWidgetBlock()),
        ("opening_hours", OpeningHoursBlock()),
        ("price_list", PriceListBlock()),
    ]


def _forget_clinic_pages(clinic_id) -> None:
    from portal_site.api import invalidate_clinic

    transaction.on_commit(lambda: invalidate_clinic(clinic_id), robust=True)


def _clinic_ids(instance) -> list[int]:
    if getattr(instance, "clinic_id", None):
        return [instance.clinic_id]
    return instance.ehr_clinic_ids() if hasattr(instance, "ehr_clinic_ids") else []


def _changed(sender, instance, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    for clinic_id in _clinic_ids(instance):
        _forget_clinic_pages(clinic_id)


def keep_portal_pages_fresh() -> None:
    """Clear a clinic's cached portal pages when what these blocks show changes (idempotent)."""
    from ..models import ClinicClosure, Service, WorkingHours

    for model in (WorkingHours, ClinicClosure, Service):
        name = model._meta.model_name
        post_save.connect(_changed, sender=model, dispatch_uid=f"scheduling_portal_{name}_saved")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"scheduling_portal_{name}_deleted")
