"""The shape of the fixtures that hand a test a factory: everything the factory made is cleaned
up when the test ends, whatever happened in it (pytest puts this folder on sys.path)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


def cleaned_up(make: Callable[P, T], cleanup: Callable[[T], object]) -> Iterator[Callable[P, T]]:
    """``yield from cleaned_up(make, cleanup)`` in a fixture: the test gets ``make``; at teardown
    ``cleanup`` runs on each thing it made, oldest first (all of them, even when one fails)."""
    made: list[T] = []

    def factory(*args: P.args, **kwargs: P.kwargs) -> T:
        thing = make(*args, **kwargs)
        made.append(thing)
        return thing

    yield factory
    failures: list[Exception] = []
    for thing in made:
        try:
            cleanup(thing)
        except Exception as exc:  # noqa: BLE001 - the others are still cleaned up
            failures.append(exc)
    if failures:
        raise failures[0]
