"""Progress of long work, with no user interface: the library names its phases, a front end shows them.

The library marks a phase of work that can take a while::

    with phase("reading england/lsoa21"):
        ...
    with phase("placing labels", total=len(places)) as step:
        for place in places:
            ...
            step()

Nothing is shown, and nothing is imported, unless the caller installed a :class:`Reporter` with
:func:`reporting`. The CLI does, with rich on standard error, when standard error is a terminal and
``--quiet`` is not given (:mod:`placegeo.cli.progress`); a notebook or a script sees nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol


class Reporter(Protocol):
    """What shows progress: told when a phase begins (with its number of steps, if known), advances and ends."""

    def begin(self, label: str, total: int | None) -> object: ...

    def advance(self, handle: object, steps: int) -> None: ...

    def end(self, handle: object) -> None: ...


_REPORTER: ContextVar[Reporter | None] = ContextVar("placegeo_progress", default=None)


@contextmanager
def reporting(reporter: Reporter | None) -> Iterator[None]:
    """Send the phases of the work done inside to ``reporter`` (None: show nothing)."""
    token = _REPORTER.set(reporter)
    try:
        yield
    finally:
        _REPORTER.reset(token)


def _no_step(steps: int = 1) -> None:
    return None


@contextmanager
def phase(label: str, total: int | None = None) -> Iterator[Callable[..., None]]:
    """A phase of long work named ``label`` (``total`` steps, if counted); yields the function to call per
    step done. Costs nothing when no reporter is installed."""
    reporter = _REPORTER.get()
    if reporter is None:
        yield _no_step
        return
    handle = reporter.begin(label, total)
    try:
        yield lambda steps=1: reporter.advance(handle, steps)
    finally:
        reporter.end(handle)
