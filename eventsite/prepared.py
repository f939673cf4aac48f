"""Hot queries compiled to SQL once per process and re-run with each request's values.

Why: building a queryset and compiling it to SQL costs Django a few hundred microseconds of CPU per query
(the managed-events look-up alone ~0.8 ms), paid again on every request although the query is the same each
time but for its values. A :class:`PreparedQuery` builds its queryset once with stand-in values, finds them among
the compiled query's parameters and keeps the SQL; a call substitutes the real values. The SQL comes from the
ORM, so the query is the one the readable ``build`` function describes — not a second, hand-written copy.

Only integer values are accepted, as standalone values or lists (``pk``, ``pk__in``): meant for ids (``pk``,
foreign keys: 64-bit columns). Each shape is compiled twice, with two sets of stand-ins (large negative
integers no row id reaches, and small positive ones); a ``build`` is refused when the two compiled queries
differ but for the stand-ins, or a stand-in does not come back as a parameter (a lookup transformed it, Django
wrote it into the SQL text, or dropped a condition because the value lies outside its column's range), or the
stand-ins made the query match nothing. So a misuse fails in tests rather than running wrong SQL.

Everything in ``build`` other than the values is fixed when a shape is first compiled: it must not depend on
the time, the active time zone or the request. Lists are compiled once per length. Shapes are kept per query,
the least recently used dropped beyond ``MAX_SHAPES``. What Django writes into the SQL text itself (a slice's
``LIMIT``/``OFFSET``) is passed as ``parts``: hashable, part of the shape, given to ``build`` positionally.
"""

from collections import OrderedDict
from collections.abc import Callable, Iterable
from threading import Lock

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Model, QuerySet

from eventsite.seams.django import has_prefetch

#: Stand-ins start here and count up: far below any id a sequence hands out, still a valid 64-bit integer; the
#: second set, small positive integers, is in the range of every integer column.
STAND_IN_BASES = (-(2**62), 7919)
MAX_SHAPES = 256

Value = int | Iterable[int]


class PreparedQuery:
    """``build(*parts, **values)`` returns the queryset; ``rows(...)`` / ``objects(...)`` run its SQL."""

    def __init__(self, build: Callable[..., QuerySet]):
        self.build = build
        self._compiled: OrderedDict[tuple, tuple | None] = OrderedDict()
        self._lock = Lock()

    def rows(self, using: str = "default", parts: tuple = (), **values: Value) -> list[tuple]:
        """The rows as the database driver returns them (no field converters: ints stay ints; a boolean is 0/1 on
        SQLite), for ``values_list`` queries of ids and flags."""
        compiled = self._prepared(using, parts, values)
        if compiled is None:
            return []
        sql, params, _ = compiled
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def objects(self, using: str = "default", parts: tuple = (), **values: Value) -> list[Model]:
        """Model instances (``Model.from_db``, field converters applied) through ``raw()``: for querysets of one
        model without ``select_related``/``prefetch_related``; annotations become attributes."""
        compiled = self._prepared(using, parts, values)
        if compiled is None:
            return []
        sql, params, model = compiled
        return list(model._default_manager.db_manager(using).raw(sql, params))

    def values(self, using: str = "default", parts: tuple = (), **values: Value) -> list[dict]:
        """Dicts as the queryset's ``values()`` gives them (its names, the fields' converters applied, as Django's
        ``from_db_value`` signature has them), for ``values()`` querysets: the document builder's rows
        (``eventsite.api.rows``)."""
        compiled = self._prepared(using, parts, values, reading=True)
        if compiled is None:
            return []
        sql, params, (names, converters) = compiled
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if converters:
            rows = [list(row) for row in rows]
            for row in rows:
                for position, functions, expression in converters:
                    value = row[position]
                    for convert in functions:
                        value = convert(value, expression, connection)
                    row[position] = value
        return [dict(zip(names, row, strict=True)) for row in rows]

    def _prepared(self, using: str, parts: tuple, values: dict[str, Value], reading: bool = False) -> tuple | None:
        """The SQL, parameters and model for these values; None when the query can match nothing (empty ``IN``)."""
        shape = self._shape(values)
        key = (using, parts, shape)
        with self._lock:
            compiled = self._compiled.get(key, KeyError)
            if compiled is not KeyError:
                self._compiled.move_to_end(key)
        if compiled is KeyError:
            compiled = self._compile(using, parts, shape)
            with self._lock:
                self._compiled[key] = compiled
                while len(self._compiled) > MAX_SHAPES:
                    self._compiled.popitem(last=False)
        if compiled is None:
            return None
        sql, params, slots, model, reader = compiled
        params = list(params)
        for position, (name, index) in slots.items():
            value = values[name] if index is None else values[name][index]
            params[position] = value
        return sql, params, reader if reading else model

    @staticmethod
    def _shape(values: dict[str, Value]) -> tuple:
        shape = []
        for name in sorted(values):
            value = values[name]
            if isinstance(value, list | tuple | set | frozenset):
                values[name] = value = list(value)
                items = value
            else:
                items = [value]
            if not all(isinstance(item, int) and not isinstance(item, bool) for item in items):
                raise TypeError(f"PreparedQuery value {name!r} must be an integer or a list of integers.")
            shape.append((name, len(value) if items is value else None))
        return tuple(shape)

    @staticmethod
    def _stand_ins(shape: tuple, base: int) -> tuple[dict[str, Value], dict[int, tuple[str, int | None]]]:
        values: dict[str, Value] = {}
        owners: dict[int, tuple[str, int | None]] = {}
        counter = base
        for name, length in shape:
            if length is None:
                values[name] = counter
                owners[counter] = (name, None)
                counter += 1
            else:
                values[name] = list(range(counter, counter + length))
                owners.update({counter + i: (name, i) for i in range(length)})
                counter += length
        return values, owners

    def _compile(self, using: str, parts: tuple, shape: tuple):
        """The SQL, its parameters, where each value goes, and the model; None for an empty ``IN``."""
        first, second = (self._compile_with(using, parts, shape, base) for base in STAND_IN_BASES)
        if first is None or second is None:
            if first is second and any(length == 0 for _, length in shape):
                return None  # an empty ``IN``: nothing, whatever the other values
            raise ValueError(
                "PreparedQuery: the stand-in values made the query match nothing (a column whose range excludes "
                "them?); prepare queries on ids only."
            )
        if first[0] != second[0] or first[2] != second[2] or _others(first) != _others(second):
            raise ValueError(
                "PreparedQuery: the query's SQL depends on the values (a condition Django drops for some values, "
                "e.g. out of a column's range); prepare queries on ids only."
            )
        return first

    def _compile_with(self, using: str, parts: tuple, shape: tuple, base: int):
        stand_ins, owners = self._stand_ins(shape, base)
        queryset = self.build(*parts, **stand_ins)
        if has_prefetch(queryset) or queryset.query.select_related:
            raise ValueError("PreparedQuery cannot run select_related/prefetch_related querysets.")
        compiler = queryset.query.get_compiler(using=using)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return None
        slots = {
            position: owners[param]
            for position, param in enumerate(params)
            if isinstance(param, int) and not isinstance(param, bool) and param in owners
        }
        missing = set(owners.values()) - set(slots.values())
        if missing:
            raise ValueError(f"PreparedQuery: {sorted(missing, key=repr)} did not reach the SQL as plain parameters.")
        return sql, list(params), slots, queryset.model, _reader(queryset, compiler)


def _reader(queryset: QuerySet, compiler) -> tuple[list[str], list[tuple]] | None:
    """For a ``values()`` queryset: its names (as Django's ``ValuesIterable`` finds them) and the converters of its
    selected columns, ``(position, converters, expression)``, from the compiler that wrote the SQL."""
    query = queryset.query
    if not query.values_select and not query.selected:
        return None
    names = (
        list(query.selected)
        if query.selected
        else [*query.extra_select, *query.values_select, *query.annotation_select]
    )
    columns = [column for column, _, _ in compiler.select[: compiler.col_count]]
    if len(columns) != len(names):
        raise ValueError("PreparedQuery: a values() query whose columns are not its names.")
    converters = [
        (position, functions, expression)
        for position, (functions, expression) in compiler.get_converters(columns).items()
    ]
    return names, converters


def _others(compiled: tuple) -> list:
    """The parameters that are not values (constants of the query), in order."""
    _, params, slots, _, _ = compiled
    return [param for position, param in enumerate(params) if position not in slots]
