"""The page listing's filter panel, narrowed to the editor's own sites and fellow editors."""

from __future__ import annotations

from .cms_reach import editable_root_paths


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
