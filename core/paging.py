"""A paginator that stops counting at a cap, for lists whose matches can run into the tens of thousands.

Django's paginator counts every match before it reads a page: for a common name fragment in a big
organization that is a second pass over thousands of rows. Counting only up to ``cap`` bounds the count;
past it the list says "more than <cap>" and offers the pages up to the cap (narrowing the search is the
way on, not page 41).
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    def __init__(self, object_list, per_page, cap: int = 1000, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def _counted(self) -> int:
        # Unordered: a limited count needs no sort, and stops reading at the first cap + 1 matches.
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @property
    def capped(self) -> bool:
        """More than ``cap`` match: the count shown is the cap, not the number of matches."""
        return self._counted > self.cap
