"""Progress on standard error, drawn with rich: the CLI's :class:`placegeo.progress.Reporter`.

A phase appears only once it has lasted ``after`` seconds (about one), so quick commands print nothing;
the display is transient (it leaves no lines behind) and goes to standard error, so piped output and
``--format json`` stay clean. The CLI installs it only when standard error is a terminal and ``--quiet``
is not given.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

SHOW_AFTER = 1.0
"""Seconds a phase runs before it is shown."""


class RichReporter:
    """Phases as rich progress lines (spinner, name, bar when counted, elapsed time) on standard error."""

    def __init__(self, after: float = SHOW_AFTER, console: Any = None):
        from rich.console import Console
        from rich.progress import BarColumn, Progress, SpinnerColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn

        self.after = after
        self.console = console or Console(stderr=True)
        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                                 TimeElapsedColumn(), console=self.console, transient=True)
        self._lock = threading.Lock()
        self._live = False

    def begin(self, label: str, total: int | None) -> tuple[Any, threading.Timer]:
        with self._lock:
            task = self.progress.add_task(label, total=total, visible=False)
        timer = threading.Timer(self.after, self._show, (task,))
        timer.daemon = True
        timer.start()
        return task, timer

    def _show(self, task: Any) -> None:
        with self._lock:
            if task not in self.progress.task_ids:
                return  # ended meanwhile
            self.progress.update(task, visible=True)
            if not self._live:
                self.progress.start()
                self._live = True

    def advance(self, handle: tuple[Any, threading.Timer], steps: int) -> None:
        self.progress.advance(handle[0], steps)

    def end(self, handle: tuple[Any, threading.Timer]) -> None:
        task, timer = handle
        timer.cancel()
        with self._lock:
            self.progress.remove_task(task)
            if self._live and not self.progress.task_ids:
                self.progress.stop()
                self._live = False

    def close(self) -> None:
        """Stop the display (the lines it drew are cleared)."""
        with self._lock:
            if self._live:
                self.progress.stop()
                self._live = False


@contextmanager
def shown(quiet: bool = False) -> Iterator[None]:
    """Show the library's progress on standard error while the command runs: only on a terminal, and not
    with ``--quiet``."""
    import sys

    from placegeo.progress import reporting

    if quiet or not _is_terminal(sys.stderr):
        yield
        return
    reporter = RichReporter()
    try:
        with reporting(reporter):
            yield
    finally:
        reporter.close()


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False
