"""Querysets compiled once per process, for the lookups intake and routing run on every case."""

from __future__ import annotations

from typing import Any


class Prepared:
    """A queryset compiled to SQL once per process and database; each call only binds new values.

    Hot paths (intake, routing) run the same few lookups thousands of times; compiling an ORM
    query costs far more than running it. ``build(*values)`` makes the queryset: it is called once
    with placeholder strings, and the placeholders' positions among the compiled parameters are
    bound to the real values on each call. Nothing is cached but the SQL text, so results are
    always current. Only for querysets whose SQL does not depend on the values (a fixed number of
    ``__in`` items, no None, plain ``exact``/``in`` lookups) and without ``select_related`` (rows
    become model instances through ``raw``; annotations become attributes).
    """

    def __init__(self, build: Any, arity: int = 1, numeric: bool = False) -> None:
        self.build = build
        self.arity = arity
        self.numeric = numeric  # placeholders are numbers, for lookups on integer columns
        self._compiled: dict[str, tuple[Any, str, list[Any]]] = {}

    def _compile(self, alias: str) -> tuple[Any, str, list[Any]]:
        marks: list[Any] = (
            [-(10**12) - i for i in range(self.arity)]
            if self.numeric
            else [f"\x00jiceng-prepared-{i}\x00" for i in range(self.arity)]
        )
        queryset = self.build(*marks)
        sql, params = queryset.query.get_compiler(using=alias).as_sql()
        slots: list[Any] = []
        for param in params:
            found = [i for i, mark in enumerate(marks) if type(param) is type(mark) and param == mark]
            slots.append(("value", found[0]) if found else ("const", param))
        if sum(1 for kind, _ in slots if kind == "value") < self.arity:
            raise ValueError("every value must appear among the compiled parameters")
        compiled = (queryset.model, sql, slots)
        self._compiled[alias] = compiled
        return compiled

    def raw(self, *values: Any, using: str = "default") -> list[Any]:
        model, sql, slots = self._compiled.get(using) or self._compile(using)
        params = [values[v] if kind == "value" else v for kind, v in slots]
        return list(model.objects.using(using).raw(sql, params))

    def first(self, *values: Any, using: str = "default") -> Any:
        rows = self.raw(*values, using=using)
        return rows[0] if rows else None
