"""The CMS's admin API lists and shows an editor only the images, documents and pages within reach (the
admin API's endpoints are the one place Wagtail lists these without asking a chooser hook)."""

from __future__ import annotations

from .cms_reach import media_in_reach, pages_in_reach


def narrowed_api_endpoint(endpoint):
    """The admin API endpoint ``endpoint`` listing and showing only pages or media within reach."""
    from wagtail.models import Page

    class Narrowed(endpoint):
        def get_queryset(self):
            queryset = super().get_queryset()
            user = self.request.user
            if issubclass(queryset.model, Page):
                return pages_in_reach(queryset, user)
            return media_in_reach(queryset, user)

    Narrowed.__name__ = f"Narrowed{endpoint.__name__}"
    return Narrowed
