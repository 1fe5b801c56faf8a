"""Benchmark-only: the stack's own floor, served only by ``settings.bench`` (``bench.urls``).

Two views that do no work of the product's: a plain Django view answering JSON, and an operation of a
django-ninja API of their own (no authentication, no tenant). The benchmark calls them anonymously through
the same gunicorn, middleware and connection as every other row, so what they cost is what any request
costs before the product does anything; ``floor`` (one tenant-scoped lookup, signed in) is measured
against them.
"""

from __future__ import annotations

from django.http import JsonResponse
from ninja import NinjaAPI, Schema

# The same fields and size as a clinic's answer on the floor, so serialisation is alike.
ANSWER = {
    "id": 1,
    "name": "Bare clinic",
    "slug": "bare-clinic",
    "timezone": "Europe/Paris",
    "locale": "en",
    "currency": "EUR",
    "address_line1": "1 Main Street",
    "address_line2": "",
    "city": "Paris",
    "postal_code": "75001",
    "country": "FR",
    "phone": "",
    "email": "",
    "archived": False,
    "created_at": "2026-01-01T00:00:00+00:00",
}


def bare_django(request):
    return JsonResponse(ANSWER)


class BareOut(Schema):
    id: int
    name: str
    slug: str
    timezone: str
    locale: str
    currency: str
    address_line1: str
    address_line2: str
    city: str
    postal_code: str
    country: str
    phone: str
    email: str
    archived: bool
    created_at: str


bare_api = NinjaAPI(title="Bare", version="bench", urls_namespace="bench_bare", docs_url=None)


@bare_api.get("/clinic", response=BareOut)
def bare_ninja(request):
    return ANSWER
