"""The error every domain rule raises: one or more problems, each tied to the member it is about.

Front ends translate it, each in one place: the admin puts ``problem.message`` on the form field, the
API turns each problem into a JSON:API error object whose status and pointer come from ``kind`` and ``field``.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import ValidationError


class Kind(StrEnum):
    INVALID = "invalid"  # the input breaks a rule (HTTP 422)
    CONFLICT = "conflict"  # the input clashes with the state of other data (HTTP 409)
    NOT_FOUND = "not_found"  # something referred to does not exist for this caller (HTTP 404)


@dataclass(frozen=True)
class Problem:
    field: str | None  # model field or relation name ("value", "tickets"), None for the whole object
    message: str
    code: str  # machine-readable, stable: tests and clients match on it
    kind: Kind = Kind.INVALID


class RuleError(Exception):
    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("; ".join(p.message for p in self.problems))

    @property
    def messages(self) -> list[str]:
        return [p.message for p in self.problems]

    def as_validation_error(self, fields: set[str] | None = None) -> ValidationError:
        """A Django ValidationError for a form; problems about fields the form lacks become non-field errors."""
        errors: dict[str | None, list[ValidationError]] = {}
        for problem in self.problems:
            key = problem.field if fields is None or problem.field in fields else None
            errors.setdefault(key or "__all__", []).append(ValidationError(problem.message, code=problem.code))
        return ValidationError(errors)


def raise_if(problems: list[Problem]) -> None:
    if problems:
        raise RuleError(problems)
