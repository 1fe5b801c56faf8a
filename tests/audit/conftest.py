import pytest
from django_scopes import scopes_disabled

from core.accounts.tokens import create_token
from tests.factories import make_tenant


@pytest.fixture
def clinic_team(transactional_db):
    """A tenant whose owner calls the API with a personal token, as an integration would."""
    with scopes_disabled():
        tenant = make_tenant("Chained")
        _record, token = create_token(tenant.owner, tenant.org, "parallel")
    tenant.headers = {"Authorization": f"Bearer {token}"}
    return tenant
