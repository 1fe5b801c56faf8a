"""Project-wide pytest set-up.

Fixtures run outside any tenant scope (like a management command would), so they are built under
``scopes_disabled()``; tests themselves assert through the real client or inside an explicit scope.
"""

import os

import pytest
from django_scopes import scopes_disabled

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    with scopes_disabled():
        return (yield)
