"""A paginator that stops counting at a cap, for lists whose matches can run into the tens of thousands.

Django's paginator counts every match before it reads a page: for a common name fragment in a big
organization that is a second pass over thousands of rows. Counting only up to ``cap`` bounds the count;
past it the list says "more than <cap>" and offers the pages up to the cap (narrowing the search is the
way on, not page 41).

Every page shown lies within the first ``cap`` matches, so ``get_page`` reads the page and the capped
count in one query over those matches: the search runs once per request, not once for the count and
again for the page.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

# The first cap + 1 matches in the list's order, each row carrying how many of them there are.
ONE_PASS_SQL = "SELECT *, count(*) OVER () AS ehr_matches FROM ({matches}) AS matches LIMIT %s OFFSET %s"


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

    def get_page(self, number):
        """The page and the count from one query; Django's way (count, then page) only for what that
        query cannot answer: a page number below 1, or one past the matches."""
        page_number = _page_number(number)
        if page_number < 1 or not self._one_pass_possible():
            return super().get_page(number)
        bottom = (page_number - 1) * self.per_page
        top = min(bottom + self.per_page, self.cap)
        if bottom >= top:
            return super().get_page(number)
        rows = self._read_page(bottom, top - bottom)
        if rows:
            self.__dict__["_counted"] = rows[0].ehr_matches
        elif page_number == 1:
            self.__dict__["_counted"] = 0
        else:
            return super().get_page(number)
        return self._get_page(rows, page_number, self)

    def _one_pass_possible(self) -> bool:
        return isinstance(self.object_list, QuerySet) and self.object_list.ordered and not self.orphans

    def _read_page(self, offset: int, limit: int) -> list:
        # The subquery keeps the list's order: the window aggregate passes its rows through unsorted.
        matches, params = self.object_list[: self.cap + 1].query.sql_with_params()
        sql = ONE_PASS_SQL.format(matches=matches)
        return list(self.object_list.raw(sql, (*params, limit, offset)))


def _page_number(number) -> int:
    """The page asked for; as for Django's ``get_page``, anything that is not a number means the first."""
    try:
        return int(number)
    except (TypeError, ValueError):
        return 1
