"""Bulk actions in the CMS act on, and list, only the objects within the editor's reach.

Wagtail's bulk actions load the objects they are asked for and list the ones the user may not act on by
title ("you don't have permission to ..."). The guard (``portal_site.cms_guard``) refuses foreign ids; an
action on "every listed object" (``id=all``) is narrowed here, so it neither acts on nor names another
organization's images or documents.
"""

from __future__ import annotations

from wagtail.models import Page

from .cms_reach import media_in_reach, pages_in_reach


def _in_reach(objects, user):
    if not objects:
        return objects
    model = type(objects[0])
    queryset = model._default_manager.filter(pk__in=[obj.pk for obj in objects])
    narrowed = (
        pages_in_reach(queryset, user) if isinstance(objects[0], Page) else media_in_reach(queryset, user)
    )
    kept = set(narrowed.values_list("pk", flat=True))
    return [obj for obj in objects if obj.pk in kept]


def narrow_bulk_actions() -> None:
    from wagtail.admin.views.bulk_action import BulkAction

    if getattr(BulkAction.get_actionable_objects, "_ehr_narrowed", False):
        return
    original = BulkAction.get_actionable_objects

    def get_actionable_objects(self):
        objects, extra = original(self)
        user = self.request.user
        if user.is_superuser:
            return objects, extra
        extra = {**extra, "items_with_no_access": _in_reach(extra.get("items_with_no_access", []), user)}
        return _in_reach(objects, user), extra

    get_actionable_objects._ehr_narrowed = True
    BulkAction.get_actionable_objects = get_actionable_objects
