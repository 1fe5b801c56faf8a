from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from plugins.inventory.models import Item
from plugins.inventory.services import receiving
from tests.conftest import alpha, beta, login  # noqa: F401


@pytest.fixture
def inv(alpha):  # noqa: F811
    """Alpha with gauze (no lots) and ibuprofen (lot-tracked, sellable) in its catalog."""
    alpha.gauze = Item.objects.create(organization=alpha.org, name="Gauze", sku="GAUZE", cost_price="2.00")
    alpha.ibu = Item.objects.create(
        organization=alpha.org,
        name="Ibuprofen",
        sku="IBU",
        cost_price="1.50",
        sellable=True,
        price="4.90",
        tax_rate="7",
        lot_tracked=True,
    )
    return alpha


def stock(clinic, item, qty, lot="", days=None, by=None):
    expiry = timezone.now().date() + timedelta(days=days) if days is not None else None
    return receiving.receive(clinic, item, Decimal(qty), by=by, lot_number=lot, expiry_date=expiry)
