"""The placegeo command line: a thin Typer layer over the library.

Each command lives in its own module and imports the heavy libraries inside its function, so that
``placegeo --help`` answers fast. Errors are mapped to one line and an exit code here, once.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import warnings

# Command modules register themselves on `app` when imported.
from placegeo.cli import bestfit, compare, layers, map, overlap, pcn, profile, report, snap, validate  # noqa: F401
from placegeo.cli.app import app

EXIT_INTERNAL = 3


def run(argv: list[str] | None = None) -> int:
    """Run the CLI on ``argv`` and return the exit code; never lets a traceback out (unless --debug)."""
    from typer.exceptions import Abort, Exit, TyperException

    from placegeo.errors import PlacegeoError

    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    if debug:
        args.remove("--debug")
    previous = _stop_on_signals()
    columns = _sane_columns()
    _tolerant_streams()
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            result = app(args=args, prog_name="placegeo", standalone_mode=False)
        if result == 130:  # Typer turns Ctrl-C (and our SIGTERM, SIGHUP) into a silent return of 130
            return _interrupted()
        return result if isinstance(result, int) else 0
    except PlacegeoError as err:
        if debug:
            raise
        _say(f"placegeo: error: {err}")
        return err.exit_code
    except Exit as exc:
        return _interrupted() if exc.exit_code == 130 else exc.exit_code
    except TyperException as exc:
        if debug:
            raise
        _say(f"placegeo: error: {exc.format_message()}")
        return 2
    except (Abort, KeyboardInterrupt):
        return _interrupted()
    except OSError as exc:
        from placegeo.io import is_disk_full

        if debug or not (is_disk_full(exc) or exc.errno == errno.EPIPE):
            if debug:
                raise
            _say(f"placegeo: internal error: {type(exc).__name__}: {exc} (run again with --debug for the traceback)")
            return EXIT_INTERNAL
        where = exc.filename or "standard output"
        _quiet_stdout()
        if exc.errno == errno.EPIPE:
            return 0  # the reader went away (placegeo ... | head): nothing to say
        _say(f"placegeo: error: cannot write {where}: disk full")
        return 2
    except Exception as exc:  # a bug: still one line, the traceback behind --debug
        if debug:
            raise
        _say(f"placegeo: internal error: {type(exc).__name__}: {exc} (run again with --debug for the traceback)")
        return EXIT_INTERNAL
    finally:
        _restore_signals(previous)
        _STOPPED.clear()
        if columns is not None:
            os.environ["COLUMNS"] = columns


def _sane_columns() -> str | None:
    """``COLUMNS=0`` (or any width too small to print a table in) would print nothing: use 80 for this run.
    Returns the value to put back, or None."""
    value = os.environ.get("COLUMNS")
    if value is None:
        return None
    try:
        if int(value) >= 20:
            return None
    except ValueError:
        pass
    os.environ["COLUMNS"] = "80"
    return value


def _tolerant_streams() -> None:
    """A terminal that cannot show a character (``PYTHONIOENCODING=ascii``) gets ``\u2013`` instead of a crash."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if reconfigure is not None and encoding not in ("utf8", "utf16", "utf32"):
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="backslashreplace")


def _quiet_stdout() -> None:
    """After stdout failed (a full disk, a closed pipe), send what is left of it nowhere, so that Python's own
    flush at exit does not print a second error."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


_STOPPED: list[int] = []  # the signal that stopped this run, if one did


def _interrupted() -> int:
    """One line and the exit code for a run stopped by Ctrl-C (130) or by SIGTERM/SIGHUP (128 + its number)."""
    if _STOPPED:
        import signal

        _say(f"placegeo: stopped by {signal.Signals(_STOPPED[0]).name}; nothing was written")
        return 128 + _STOPPED[0]
    _say("placegeo: interrupted; nothing was written")
    return 130


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP (a CI timeout, a closed terminal): unwound like Ctrl-C, so staging is removed."""

    def __init__(self, signum: int):
        import signal

        super().__init__(signum)
        self.signum = signum
        self.name = signal.Signals(signum).name


def _stop(signum: int, frame: object) -> None:
    if not _STOPPED:
        _STOPPED.append(signum)
    raise Stopped(signum)


def _stop_on_signals() -> dict[int, object]:
    """Handle SIGTERM and SIGHUP like SIGINT (in the main thread only; others cannot set handlers)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return {}
    previous = {}
    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is not None:
            previous[signum] = signal.signal(signum, _stop)
    return previous


def _restore_signals(previous: dict[int, object]) -> None:
    import signal

    for signum, handler in previous.items():
        signal.signal(signum, handler)  # type: ignore[arg-type]


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Every warning as one line on stderr: placegeo's own as they are, a library's (pyogrio, shapely's
    RuntimeWarning, pandas) as placegeo's, saying where it came from."""
    from placegeo.errors import PlacegeoWarning

    if issubclass(category, PlacegeoWarning):
        _say(f"placegeo: warning: {message}")
        return
    text = " ".join(str(message).split()) or category.__name__
    _say(f"placegeo: warning: {text} ({category.__name__} from {_library(filename)})")


def _library(filename: str) -> str:
    """The package a warning came from, by its file: ``pyogrio``, ``shapely``, ``pandas``... or ``placegeo``."""
    parts = os.path.normpath(filename or "").split(os.sep)
    if "site-packages" in parts and parts.index("site-packages") + 1 < len(parts):
        return parts[parts.index("site-packages") + 1].removesuffix(".py")
    return "placegeo" if "placegeo" in parts else os.path.basename(filename or "?")


def _say(line: str) -> None:
    print(line.splitlines()[0] if line else line, file=sys.stderr)


def main() -> None:
    """Console-script entry point.

    A command runs once and exits, holding its layers to the end: Python's cyclic garbage collector is run less
    often (every 20,000 allocations, not 700), so drawing's many short-lived objects do not make it rescan the
    loaded data again and again (about a tenth of a report's time). A library caller keeps its own settings."""
    import gc

    gc.set_threshold(20_000, 20, 20)
    sys.exit(run())
