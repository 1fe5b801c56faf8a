"""What a CMS editor may reach: the page trees their editor groups are granted and the collections (with
the images and documents in them) those groups hold permissions in. A superuser reaches everything.

Every narrowing of the CMS (the guard in front of its views, the listings, choosers, counts and bulk
actions) asks these functions, so "whose is this" is answered in one place.
"""

from __future__ import annotations

from django.db.models import Q


def editable_root_paths(user) -> list[str]:
    """Tree paths of the clinic home pages the user's editor groups are granted."""
    from wagtail.models import GroupPagePermission

    return list(
        GroupPagePermission.objects.filter(group__user=user).values_list("page__path", flat=True).distinct()
    )


def pages_in_reach(pages, user):
    """``pages`` narrowed to the user's own trees (the tree's shared root stays: it belongs to nobody)."""
    if user.is_superuser:
        return pages
    condition = Q(depth=1)
    for path in editable_root_paths(user):
        condition |= Q(path__startswith=path)
    return pages.filter(condition)


def page_in_reach(user, page_id, *, root_allowed: bool = True) -> bool:
    """Whether page ``page_id`` exists and lies in one of the user's trees. The shared root counts only
    when ``root_allowed``: it may be explored, but acting on "all its children" would reach every clinic."""
    from wagtail.models import Page

    found = Page.objects.filter(pk=page_id).values_list("path", "depth").first()
    if found is None:
        return False
    path, depth = found
    if user.is_superuser or (depth == 1 and root_allowed):
        return True
    return any(path.startswith(root) for root in editable_root_paths(user))


def reachable_collections(user):
    """Collections (with their descendants) in which the user's groups hold any permission."""
    from wagtail.models import Collection, GroupCollectionPermission

    if user.is_superuser:
        return Collection.objects.all()
    roots = list(
        GroupCollectionPermission.objects.filter(group__user=user)
        .values_list("collection__path", flat=True)
        .distinct()
    )
    if not roots:
        return Collection.objects.none()
    condition = Q()
    for path in roots:
        condition |= Q(path__startswith=path)
    return Collection.objects.filter(condition)


def media_model(kind: str):
    if kind == "image":
        from wagtail.images import get_image_model

        return get_image_model()
    from wagtail.documents import get_document_model

    return get_document_model()


def media_in_reach(media, user):
    """Images or documents ``media`` narrowed to the user's collections."""
    return media if user.is_superuser else media.filter(collection__in=reachable_collections(user))


def all_media_in_reach(kind: str, user, ids) -> bool:
    """True when every image (``kind`` "image") or document of ``ids`` exists in the user's collections."""
    wanted = {int(pk) for pk in ids if as_id(pk) is not None}
    if not wanted or len(wanted) != len(set(ids)):
        return False
    return media_in_reach(media_model(kind).objects.filter(pk__in=wanted), user).count() == len(wanted)


def as_id(value) -> int | None:
    """``value`` as a database id, or None when it cannot be one (so it is refused, never a 500)."""
    text = str(value)
    return int(text) if text.isdigit() and len(text) < 19 else None
