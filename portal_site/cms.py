"""Keep CMS editors inside their own clinics' trees.

Wagtail checks page permissions per action, but some admin views load the page before any permission
hook runs. Every ``/cms/pages/<id>/...`` request for a page outside the trees the user's editor groups
are granted is answered 404 up front (the same answer as for a page that does not exist).
"""

from __future__ import annotations

import re

from django.http import Http404

PAGE_URL = re.compile(r"^/cms/pages/(\d+)/")


def editable_root_paths(user) -> list[str]:
    from wagtail.models import GroupPagePermission

    return list(
        GroupPagePermission.objects.filter(group__user=user).values_list("page__path", flat=True).distinct()
    )


def may_reach(user, page_path: str, depth: int) -> bool:
    if user.is_superuser or depth == 1:
        return True
    return any(page_path.startswith(root) for root in editable_root_paths(user))


class CmsPageGuardMiddleware:
    """404 for CMS requests naming a page, image or document outside the editor's own trees and
    collections (see ``portal_site.cms_media`` for the media)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        match = PAGE_URL.match(request.path_info)
        if match and request.user.is_authenticated:
            from wagtail.models import Page

            found = Page.objects.filter(pk=int(match.group(1))).values_list("path", "depth").first()
            if found is None or not may_reach(request.user, *found):
                raise Http404
        if request.path_info.startswith("/cms/"):
            from .cms_media import refused

            if refused(request):
                raise Http404
        return self.get_response(request)


def _sites_for(request):
    from django.db.models import Q
    from wagtail.models import Site

    if request is None:
        return Site.objects.none()
    if request.user.is_superuser:
        return Site.objects.all()
    condition = Q(pk__in=[])
    for path in editable_root_paths(request.user):
        condition |= Q(root_page__path__startswith=path)
    return Site.objects.filter(condition)


def _colleagues(original):
    def queryset(request):
        users = original(request) if callable(original) else original
        if request is None:
            return users.none()
        if request.user.is_superuser:
            return users
        return users.filter(groups__in=request.user.groups.all()).distinct()

    return queryset


def narrow_page_listing_filters() -> None:
    """The page listing's filter panel lists every site and every page author of the platform; narrow the
    choices to the editor's own sites and their fellow editors."""
    from wagtail.admin.views.pages import listing

    for filterset in (listing.PageFilterSet, listing.GenericPageFilterSet):
        filters = filterset.base_filters
        if "site" in filters:
            filters["site"].extra["queryset"] = _sites_for
            filters["site"].queryset = _sites_for
        for name in ("owner", "edited_by"):
            if name in filters and not getattr(filters[name], "_ehr_narrowed", False):
                original = filters[name].queryset
                narrowed = _colleagues(original)
                filters[name].extra["queryset"] = narrowed
                filters[name].queryset = narrowed
                filters[name]._ehr_narrowed = True
