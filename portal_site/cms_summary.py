"""The CMS dashboard's page count for an editor: the pages of their own clinics' trees."""

from __future__ import annotations

from wagtail.admin.site_summary import PagesSummaryItem
from wagtail.models import Page

from .cms_reach import pages_in_reach


class OwnPagesSummaryItem(PagesSummaryItem):
    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        user = self.request.user
        if not user.is_superuser:
            # The shared root is no page of anyone's site.
            context["total_pages"] = pages_in_reach(Page.objects.filter(depth__gt=1), user).count()
        return context
