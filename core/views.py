"""Project-wide pages: the front door and the error pages in the product's look."""

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _


def home(request):
    if request.user.is_authenticated:
        return redirect("office:dashboard")
    return redirect("accounts:login")


def _error(request, status: int, title: str, message: str):
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        codes = {400: "bad_request", 403: "forbidden", 404: "not_found"}
        return JsonResponse(
            {"error": {"code": codes[status], "message": message, "fields": {}}}, status=status
        )
    return render(request, "errors/page.html", {"title": title, "message": message}, status=status)


def page_not_found(request, exception=None):
    return _error(
        request, 404, _("Page not found"), _("This page does not exist, or you do not have access to it.")
    )


def permission_denied(request, exception=None):
    return _error(
        request, 403, _("Not allowed"), _("Your role does not allow this. Ask an owner of your organization.")
    )


def bad_request(request, exception=None):
    return _error(request, 400, _("Bad request"), _("The request could not be understood."))


def server_error(request):
    """The 500 page in the request's language (already active: the locale middleware ran before the
    failure). Rendered without the request, so no context processor runs: the database or one of them
    may be what failed."""
    from django.http import HttpResponseServerError
    from django.template import loader

    return HttpResponseServerError(loader.get_template("500.html").render())
