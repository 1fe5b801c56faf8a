from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address; behind a trusted proxy (Caddy) the first X-Forwarded-For entry."""
    if getattr(settings, "EHR_TRUSTED_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()[:64]
    return request.META.get("REMOTE_ADDR")
