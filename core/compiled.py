"""Querysets compiled once per process, then run with new values.

Every request makes a few small lookups of the same shape: the user's memberships, the clinic it works in,
the patient, service and practitioner a booking names. Each is one indexed query the database answers in
a fraction of a millisecond, but Django builds and compiles its queryset afresh every time (filters,
joins, the select list, quoting), and that costs several times the query itself. A ``CompiledQuery``
builds its queryset once per shape, with stand-in values, keeps the SQL and where each value goes, and
from then on only fills in the values, runs the SQL and makes the model objects as the ORM would
(``select_related`` objects and annotations included).

What stays the ORM's: the queryset is written with the ORM, so it reads like any other, and the objects it
returns are ordinary model instances. What is checked: every stand-in must be found among the compiled
parameters as itself (a value the ORM transforms, such as a pattern for ``icontains``, cannot be filled in
later, so such a query is simply run through the ORM each time), and the tenant scope is checked on every
run as the scoped managers would: the scope's values are values of the plan like the others (the scoped
managers add them as filters), so a plan is compiled with stand-ins for them and filled in from the scope
active at each run; the scope's shape (enabled or not, which dimensions) is part of the plan's key, so a
query outside a scope builds its queryset afresh and django-scopes refuses it as before.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators
from django_scopes.state import get_scope, scope

# Stand-ins far outside any id this product hands out (ids are positive), distinct for every value.
_STAND_INS = itertools.count(-(2**62), -1)

# Values of the tenant scope are named with this prefix among a plan's values.
SCOPE = "scope:"


@dataclass(frozen=True)
class _Plan:
    model: type[Model]
    using: str
    sql: str
    # Each parameter of the SQL: (constant, None, None) for a constant of the queryset's shape, or
    # (None, name, None) for a value given at run time, (None, name, i) for the i-th item of a list value.
    slots: tuple[tuple[Any, str | None, int | None], ...]
    init_list: list[str]
    related_populators: list
    model_fields: slice
    annotation_col_map: dict
    converters: tuple

    def params(self, values: dict[str, Any]) -> list[Any]:
        return [
            constant if name is None else values[name] if item is None else values[name][item]
            for constant, name, item in self.slots
        ]


class CompiledQuery:
    """``build(**values)`` returns the queryset; calling the ``CompiledQuery`` with the same keyword
    values returns its rows as a list of model instances. Values are ids (ints), strings or lists of
    ids; a list's length is part of the shape (``IN`` with three ids is another SQL than with four)."""

    def __init__(self, build: Callable[..., QuerySet]):
        self.build = build
        self._plans: dict[tuple, _Plan | None] = {}

    def __call__(self, **values: Any) -> list[Model]:
        values = {name: _normal(value) for name, value in values.items()}
        # The tenant scope is a value of the query too: the scoped managers filter by it.
        current = get_scope()
        enabled = current.get("_enabled", True)
        scoped = {f"{SCOPE}{k}": _normal(v) for k, v in current.items() if k != "_enabled"} if enabled else {}
        shape = (enabled, *sorted((name, _shape(value)) for name, value in (values | scoped).items()))
        if any(kind is None for _, kind in shape[1:]):  # None (IS NULL) or an unexpected type: another query
            return list(self.build(**values))
        try:
            plan = self._plans[shape]
        except KeyError:
            plan = self._plans[shape] = self._compile(values, scoped)
        if plan is None:
            return list(self.build(**values))
        return list(self._run(plan, values | scoped))

    def _compile(self, values: dict[str, Any], scoped: dict[str, Any]) -> _Plan | None:
        stand_ins = {name: _stand_in(value) for name, value in (values | scoped).items()}
        where = {}
        for name, value in stand_ins.items():
            if isinstance(value, list):
                where.update({item: (name, index) for index, item in enumerate(value)})
            else:
                where[value] = (name, None)
        scope_stand_ins = {name.removeprefix(SCOPE): stand_ins[name] for name in scoped}
        try:
            with scope(**scope_stand_ins) if scoped else contextlib.nullcontext():
                queryset = self.build(**{name: stand_ins[name] for name in values})
            compiler = queryset.query.get_compiler(using=queryset.db)
            sql, params = compiler.as_sql()
        except (EmptyResultSet, TypeError, ValueError, ValidationError):
            return None  # a shape the ORM itself refuses or answers without SQL: left to the ORM each time
        if (
            queryset._prefetch_related_lookups
            or queryset._iterable_class is not ModelIterable
            or compiler.has_extra_select
            or compiler.has_composite_fields([s[0] for s in compiler.select])
        ):
            return None  # shapes the plan does not reproduce: left to the ORM
        slots, found = [], set()
        for param in params:
            if _hashable(param) and not isinstance(param, bool) and param in where:
                name, item = where[param]
                slots.append((None, name, item))
                found.add(param)
            elif isinstance(param, str) and any(isinstance(s, str) and s in param for s in where):
                return None  # a value the ORM transformed (a LIKE pattern, say): not fillable later
            else:
                slots.append((param, None, None))
        if any(item not in found for item in where if not where[item][0].startswith(SCOPE)):
            return None  # a value of the caller's that did not reach the SQL as itself
        klass_info, select = compiler.klass_info, compiler.select
        fields = klass_info["select_fields"]
        return _Plan(
            model=queryset.model,
            using=queryset.db,
            sql=sql,
            slots=tuple(slots),
            init_list=[f[0].target.attname for f in select[fields[0] : fields[-1] + 1]],
            related_populators=get_related_populators(klass_info, select, queryset.db),
            model_fields=slice(fields[0], fields[-1] + 1),
            annotation_col_map=dict(compiler.annotation_col_map or {}),
            converters=tuple(compiler.get_converters([s[0] for s in select[: compiler.col_count]]).items()),
        )

    @staticmethod
    def _run(plan: _Plan, values: dict[str, Any]):
        connection = connections[plan.using]
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, plan.params(values))
            rows = cursor.fetchall()
        for row in rows:
            if plan.converters:  # what the compiler's results_iter does to the database's values
                row = list(row)
                for position, (converters, expression) in plan.converters:
                    for convert in converters:
                        row[position] = convert(row[position], expression, connection)
            obj = plan.model.from_db(plan.using, plan.init_list, row[plan.model_fields])
            for populator in plan.related_populators:
                populator.populate(row, obj)
            for name, position in plan.annotation_col_map.items():
                setattr(obj, name, row[position])
            yield obj


def _normal(value: Any) -> Any:
    """Sets of ids become sorted lists, so that the same ids always fill the same places."""
    if isinstance(value, set | frozenset | tuple):
        return sorted(value)
    return value


def _shape(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return "int"
    if isinstance(value, str):
        return "str"
    if (
        isinstance(value, list)
        and value
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        return ("ints", len(value))
    return None


def _stand_in(value: Any) -> Any:
    if isinstance(value, list):
        return [next(_STAND_INS) for _ in value]
    if isinstance(value, str):
        return f"\x1fstand-in {next(_STAND_INS)}\x1f"
    return next(_STAND_INS)


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
