"""Narrow the CMS's listings, choosers, counts and bulk actions to the editor's own organization.

Wagtail's group permissions (one editor group per clinic, made at provisioning) already decide what may be
edited; these hooks also hide every other organization's pages and media where Wagtail lists them. Asking
for another organization's object by id is answered 404 by ``portal_site.cms_guard``.
"""

from __future__ import annotations

from wagtail import hooks

from .cms_reach import media_in_reach, pages_in_reach


@hooks.register("construct_explorer_page_queryset")
def explorer_pages(parent_page, pages, request):
    return pages_in_reach(pages, request.user)


@hooks.register("construct_page_chooser_queryset")
def chooser_pages(pages, request):
    return pages_in_reach(pages, request.user)


def _chosen_from_active_organization(media, request):
    """An editor of two organizations' sites chooses media of the one they are working in only, so an
    image of one clinic is not put on another organization's page by mistake."""
    if request.user.is_superuser:
        return media
    from wagtail.models import Collection

    from .provisioning import collection_name

    organization = getattr(request, "organization", None)
    own = Collection.objects.filter(name=collection_name(organization)).first() if organization else None
    if own is None:
        return media.none()
    active = Collection.objects.descendant_of(own, inclusive=True)
    return media_in_reach(media, request.user).filter(collection__in=active)


@hooks.register("construct_image_chooser_queryset")
def chooser_images(images, request):
    return _chosen_from_active_organization(images, request)


@hooks.register("construct_document_chooser_queryset")
def chooser_documents(documents, request):
    return _chosen_from_active_organization(documents, request)


@hooks.register("construct_admin_api", order=100)
def narrow_admin_api(router):
    """After Wagtail registers its endpoints: list and show only pages and media within reach."""
    from .cms_api import narrowed_api_endpoint

    for name in ("pages", "images", "documents"):
        endpoint = router._endpoints.get(name)
        if endpoint is not None:
            router.register_endpoint(name, narrowed_api_endpoint(endpoint))


@hooks.register("construct_homepage_summary_items")
def count_own_pages(request, summary_items):
    """The dashboard's page count counts the editor's own trees, not every clinic's pages below the root
    their trees share."""
    from wagtail.admin.site_summary import PagesSummaryItem

    from .cms_summary import OwnPagesSummaryItem

    summary_items[:] = [
        OwnPagesSummaryItem(request) if isinstance(item, PagesSummaryItem) else item for item in summary_items
    ]


@hooks.register("construct_main_menu")
def hide_platform_menu(request, menu_items):
    if not request.user.is_superuser:
        menu_items[:] = [item for item in menu_items if item.name not in {"settings", "reports", "help"}]
