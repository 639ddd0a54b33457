"""placegeo's errors: what went wrong, in which file, and what to do.

Every error a user can cause is a :class:`PlacegeoError`. The CLI maps them, once, to one line
on stderr and an exit code (0 ok, 1 findings or failed checks, 2 bad input or usage).
"""

from __future__ import annotations

from pathlib import Path

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2


class PlacegeoError(Exception):
    """Base of placegeo's own errors; ``str(err)`` is the one line a user sees."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str, *, path: str | Path | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.path}: {self.message}" if self.path else self.message
        return f"{text} ({self.hint})" if self.hint else text


class InputError(PlacegeoError):
    """An input file cannot be used as it is."""


class LayerError(InputError):
    """A boundary layer is unreadable, or its geometries, CRS or columns are wrong."""


class OptionError(InputError):
    """An option file is malformed or names blocks that do not exist (``line``: 1-based, when known)."""

    def __init__(self, message: str, *, path: str | Path | None = None, hint: str | None = None,
                 line: int | None = None):
        super().__init__(message, path=path, hint=hint)
        self.line = line

    def __str__(self) -> str:
        """``FILE:LINE: message (hint)``, the way compilers and editors point at a line (the line only once)."""
        if self.path and self.line and f"line {self.line}" not in self.message:
            text = f"{self.path}:{self.line}: {self.message}"
            return f"{text} ({self.hint})" if self.hint else text
        return super().__str__()


class UsageError(PlacegeoError):
    """Arguments that do not fit together."""


class OutputError(PlacegeoError):
    """An output cannot be written, or would overwrite a file without --force."""


class PlacegeoWarning(UserWarning):
    """Something the user should know that does not stop the run (the CLI prints it as one line)."""


class RepairWarning(PlacegeoWarning):
    """Invalid geometries were mended with make_valid (``--repair``)."""
