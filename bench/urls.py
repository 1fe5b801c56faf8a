"""The benchmark's URLs (``settings.bench`` only): the product's, plus the bare views of ``bench.bare`` and
the mailbox of ``bench.mail``. Production's ``core.urls`` never includes them."""

from django.urls import path

from core.urls import handler400, handler403, handler404, handler500  # noqa: F401
from core.urls import urlpatterns as product

from .bare import bare_api, bare_django
from .mail import last_message

urlpatterns = [
    path("bench/bare/django", bare_django),
    path("bench/bare/ninja/", bare_api.urls),
    path("bench/mail/<str:address>", last_message),
    *product,
]
