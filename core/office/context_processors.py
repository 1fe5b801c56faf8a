from .navigation import office_context


def office(request):
    """Navigation and the clinic switcher, only for back-office pages."""
    if not request.path.startswith(("/office/", "/accounts/security")):
        return {}
    return office_context(request)
