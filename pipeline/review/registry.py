"""The registry of automatic technical checks.

A check is one function in a module under pipeline/review/checks/, registered with ``@check``;
adding a module adds the check, with no central edit. docs/checks.md is generated from here.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from pipeline.review.evidence import Evidence


@dataclass(frozen=True)
class CheckResult:
    id: str
    title: str
    severity: str  # "blocking" or "advisory"
    passed: bool | None  # None: could not be measured reliably (said, never guessed)
    value: Any
    limit: Any
    hint: str
    detail: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    severity: str
    hint: str
    measure: Callable[["Evidence"], list[tuple[bool | None, Any, Any, str]]]  # (passed, value, limit, detail)
    params: dict = field(default_factory=dict)  # the title's {placeholders}: limits taken from the house format

    @property
    def english_title(self) -> str:
        return self.title.format(**self.params)

    def run(self, evidence) -> list[CheckResult]:
        from pipeline.i18n import _

        # titles and hints are marked N_ where they are registered; shown in the current language
        return [CheckResult(self.id, _(self.title, **self.params), self.severity, passed, value, limit, _(self.hint) if passed is False else "", detail)
                for passed, value, limit, detail in self.measure(evidence)]


REGISTRY: dict[str, Check] = {}


def check(id: str, title: str, severity: str, hint: str, **params):
    """Register a measuring function ``f(evidence) -> [(passed, value, limit, detail), ...]``.

    ``title`` and ``hint`` are messages marked ``N_``; ``params`` fill the title's placeholders."""
    if severity not in ("blocking", "advisory"):
        raise ValueError(f"severity of {id} must be blocking or advisory")

    def register(func):
        if id in REGISTRY:
            raise ValueError(f"check {id} is registered twice")
        REGISTRY[id] = Check(id, title, severity, hint, func, dict(params))
        return func

    return register


def all_checks() -> list[Check]:
    from pipeline.review import checks as package

    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")
    return sorted(REGISTRY.values(), key=lambda c: c.id)
