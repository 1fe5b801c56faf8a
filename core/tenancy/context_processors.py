from .context import memberships_of


def tenant(request):
    """The acting organization and membership, and the user's other organizations for the switcher."""
    user = getattr(request, "user", None)
    return {
        "organization": getattr(request, "organization", None),
        "membership": getattr(request, "membership", None),
        "my_organizations": [c.organization for c in memberships_of(user).values()] if user else [],
    }
