"""What the inventory pages share: their addresses, their pickers of items and lots, rendering, and
turning a refused change into form errors."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from core.forms import apply_errors
from core.tenancy.models import Clinic

from ..models import Item, Lot


def office_url(request: HttpRequest, name: str, **kwargs: object) -> str:
    """The address of the inventory page ``name`` at the clinic being worked in."""
    return reverse(f"office:inventory:{name}", kwargs={"clinic_slug": request.clinic.slug, **kwargs})


def active_items(clinic: Clinic) -> QuerySet[Item]:
    """The catalog items a stock form offers (inactive ones are kept but no longer moved)."""
    return Item.objects.filter(organization_id=clinic.organization_id, active=True).order_by("name")


def lots_of(clinic: Clinic) -> QuerySet[Lot]:
    """The organization's lots, soonest expiry first, for a form's lot picker."""
    return (
        Lot.objects.filter(organization_id=clinic.organization_id)
        .select_related("item")
        .order_by("expiry_date")
    )


def render_page(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    return render(request, f"inventory/{template}", {"clinic": request.clinic, **context}, status=status)


def chosen_item(request: HttpRequest) -> dict:
    """Preselect the item a stock form was opened for (from the item's page: ``?item=<id>``)."""
    return {"item": request.GET.get("item", "")[:20]}


def run_or_form_errors(form: Form, action: Callable[[], object]) -> bool:
    """Call ``action``; a refused change becomes form errors. Returns True when it went through."""
    try:
        action()
    except ValidationError as exc:
        apply_errors(form, exc)
        return False
    return True
