"""Narrow the CMS to the editor's own organization: pages, choosers, images and documents.

Wagtail's group permissions (one editor group per clinic, made at provisioning) already decide what may be
edited; these hooks also hide every other organization's tree and collections from lists and choosers.
"""

from __future__ import annotations

from django.db.models import Q
from wagtail import hooks
from wagtail.models import Collection, Page

from .cms import editable_root_paths
from .provisioning import collection_name


def _editable_roots(user):
    """Paths of the clinic home pages the user's editor groups are granted."""
    return editable_root_paths(user)


def _narrow_pages(pages, user):
    if user.is_superuser:
        return pages
    roots = _editable_roots(user)
    if not roots:
        return pages.none()
    condition = Q(depth=1)
    for path in roots:
        condition |= Q(path__startswith=path)
    return pages.filter(condition)


@hooks.register("construct_explorer_page_queryset")
def explorer_pages(parent_page, pages, request):
    return _narrow_pages(pages, request.user)


@hooks.register("construct_page_chooser_queryset")
def chooser_pages(pages, request):
    return _narrow_pages(pages, request.user)


def _own_collections(request):
    organization = getattr(request, "organization", None)
    if organization is None:
        return Collection.objects.none()
    own = Collection.objects.filter(name=collection_name(organization)).first()
    return Collection.objects.descendant_of(own, inclusive=True) if own else Collection.objects.none()


@hooks.register("construct_image_chooser_queryset")
def chooser_images(images, request):
    return images if request.user.is_superuser else images.filter(collection__in=_own_collections(request))


@hooks.register("construct_document_chooser_queryset")
def chooser_documents(documents, request):
    return (
        documents if request.user.is_superuser else documents.filter(collection__in=_own_collections(request))
    )


@hooks.register("construct_admin_api", order=100)
def narrow_admin_api_media(router):
    """After Wagtail registers its image and document endpoints: list only reachable collections' media."""
    from .cms_media import narrowed_api_endpoint

    for name in ("images", "documents"):
        endpoint = router._endpoints.get(name)
        if endpoint is not None:
            router.register_endpoint(name, narrowed_api_endpoint(endpoint))


@hooks.register("before_edit_page")
def refuse_foreign_edit(request, page):
    _refuse_outside(request, page)


@hooks.register("before_create_page")
def refuse_foreign_create(request, parent_page, page_class):
    _refuse_outside(request, parent_page)


def _refuse_outside(request, page):
    from django.http import Http404

    if request.user.is_superuser:
        return
    if not any(page.path.startswith(path) for path in _editable_roots(request.user)):
        raise Http404


@hooks.register("construct_main_menu")
def hide_platform_menu(request, menu_items):
    if not request.user.is_superuser:
        menu_items[:] = [item for item in menu_items if item.name not in {"settings", "reports", "help"}]


__all__ = ["Page"]
