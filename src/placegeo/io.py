"""Safe output: write to a temporary file beside the target, then move it into place.

Nothing half-written is ever left behind, and an existing file is only replaced with ``force``. An output
directory is claimed (a lock on the directory itself) while a run writes into it, and a file is moved in with a
no-replace link unless ``force``: two runs cannot both succeed into one target. CSV text cells that a
spreadsheet would run as a formula are neutralised (:func:`csv_text`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

from placegeo.errors import OutputError

if TYPE_CHECKING:
    import pandas as pd

# OWASP CSV injection: a text cell starting with one of these is run as a formula by spreadsheets
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_CSV_RAW: ContextVar[bool] = ContextVar("placegeo_csv_raw", default=False)
STAGING_STEM = 40  # characters of the target's name kept in a staging name: names near 255 bytes still fit


@contextlib.contextmanager
def csv_cells(raw: bool) -> Iterator[None]:
    """Within the block, CSV text is written raw (``True``, the CLI's ``--csv-raw``) or neutralised."""
    token = _CSV_RAW.set(bool(raw))
    try:
        yield
    finally:
        _CSV_RAW.reset(token)


def neutralise_cell(value: Any) -> Any:
    """``'=HYPERLINK(...)`` for a text cell a spreadsheet would run as a formula; anything else unchanged.

    Numbers are data (``-3.5`` stays a number); only text is prefixed, with one single quote (OWASP)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell and column name that starts a formula prefixed (a copy when any is)."""
    from pandas.api.types import is_object_dtype, is_string_dtype

    columns = [neutralise_cell(c) for c in frame.columns]
    text_columns = [c for c in frame.columns if is_object_dtype(frame[c].dtype) or is_string_dtype(frame[c].dtype)]
    if not text_columns and columns == list(frame.columns):
        return frame
    frame = frame.copy()
    for column in text_columns:
        frame[column] = frame[column].map(neutralise_cell)
    frame.columns = columns
    return frame


def csv_text(frame: pd.DataFrame, *, raw: bool | None = None) -> str:
    """The CSV text of ``frame`` (no index), formulas neutralised unless ``raw`` (default: :func:`csv_cells`)."""
    raw = _CSV_RAW.get() if raw is None else raw
    return str((frame if raw else neutralised(frame)).to_csv(index=False))


def write_csv(frame: pd.DataFrame, path: str | Path, *, raw: bool | None = None) -> None:
    """Write ``frame`` as CSV at ``path`` (a staging path: no atomicity here), formulas neutralised."""
    Path(path).write_text(csv_text(frame, raw=raw), encoding="utf-8")


class DiskFull(OutputError):
    """The disk (or the user's quota) is full: ``cannot write X: disk full``."""

    def __str__(self) -> str:
        text = f"cannot write {self.path}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


def is_disk_full(exc: BaseException) -> bool:
    """ENOSPC or EDQUOT, from Python or as the text of a GDAL error."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return "No space left on device" in str(exc) or "Disk quota exceeded" in str(exc)


def write_failure(exc: BaseException, target: str | Path) -> OutputError:
    """The one line for a failed write: ``cannot write X: disk full``, or ``X: cannot write: <reason>``."""
    if is_disk_full(exc):
        return DiskFull("disk full", path=target, hint="free some space and run again")
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return OutputError(f"cannot write: {reason}", path=target)


def safe_filename(name: str, *, default: str = "unnamed", max_length: int = 80) -> str:
    """Turn any user text (a place name, a layer id) into a harmless file name stem.

    Path separators, dots at the start, control and shell characters all go: ``../../etc/passwd``
    becomes ``etc-passwd``.
    """
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", text)
    text = re.sub(r"-{2,}", "-", text).strip("-._")
    return text[:max_length] or default


def ensure_directory(directory: str | Path) -> Path:
    """Create an output directory, or say clearly why it cannot be one."""
    path = Path(directory)
    if path.exists() and not path.is_dir():
        raise OutputError("is a file, not a directory", path=path, hint="choose another --out")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create directory: {exc.strerror or exc}", path=path) from None
    if not os.access(path, os.W_OK):
        raise OutputError("directory is not writable", path=path)
    return path


def check_writable(target: str | Path, *, directory: bool = False) -> None:
    """Before any work: the output ``target`` (a file, or a ``directory``) could be written.

    Nothing is created: the nearest existing ancestor must be a writable directory, and ``target`` must not be
    a directory where a file belongs (or a file where a directory belongs)."""
    path = Path(target)
    if path.exists():
        if directory and not path.is_dir():
            raise OutputError("is a file, not a directory", path=path, hint="choose another --out")
        if not directory and path.is_dir():
            raise OutputError("is a directory, not a file", path=path)
    parent = path if directory and path.is_dir() else path.parent
    for ancestor in [parent, *parent.parents]:
        if ancestor.exists():
            if not ancestor.is_dir():
                raise OutputError(f"cannot create: {ancestor} is a file", path=path)
            if not os.access(ancestor, os.W_OK | os.X_OK):
                raise OutputError("directory is not writable", path=ancestor)
            return


def refuse_overwrite(paths: list[Path], force: bool) -> None:
    """Raise before any work if an output exists and ``force`` was not given, or could not be written."""
    for parent in dict.fromkeys(Path(p).parent for p in paths):
        check_writable(parent, directory=True)
    if force:
        return
    existing = [p for p in paths if p.exists()]
    if existing:
        more = f" and {len(existing) - 1} more" if len(existing) > 1 else ""
        raise OutputError(f"already exists{more}", path=existing[0], hint="use --force to replace")


def _temporary_beside(target: Path, force: bool) -> tuple[Path, Path, Path | None]:
    """(a free temporary name beside ``target``, its folder, the first folder this run created or None), after
    refusing an existing ``target`` without ``force``. The name is bounded in length; nothing is left there:
    writers such as GDAL want to create the file themselves."""
    refuse_overwrite([target], force)
    created = _first_missing(target.parent)
    parent = ensure_directory(target.parent if str(target.parent) else ".")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem[:STAGING_STEM]}.", suffix=".part" + target.suffix[:16],
                                    dir=parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()
    return tmp, parent, created


@contextlib.contextmanager
def atomic_path(target: str | Path, *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary path to write; on success move it onto ``target``.

    On any failure the temporary file is removed and ``target`` is untouched.
    """
    target = Path(target)
    tmp, parent, created = _temporary_beside(target, force)
    try:
        yield tmp
        if not tmp.exists():
            raise OutputError("writer produced no file", path=target)
        move_into_place(tmp, target, force=force)
    except OSError as exc:
        _remove(tmp)
        _remove_empty(parent, created)
        raise write_failure(exc, target) from None
    except BaseException as exc:
        _remove(tmp)
        _remove_empty(parent, created)
        if isinstance(exc, Exception) and not isinstance(exc, OutputError) and is_disk_full(exc):
            raise write_failure(exc, target) from None  # GDAL says it in its own words
        raise


@contextlib.contextmanager
def atomic_files(targets: list[Path], *, force: bool = False) -> Iterator[list[Path]]:
    """Temporary paths for several files that appear together or not at all (``pcn build``'s layer and its
    lookup): if the second cannot be written or moved, the first is taken out again."""
    with contextlib.ExitStack() as stack:
        tmps = [stack.enter_context(_staged(Path(t), force)) for t in targets]
        yield tmps
        moved: list[Path] = []
        try:
            for tmp, target in zip(tmps, targets, strict=True):
                if not tmp.exists():
                    raise OutputError("writer produced no file", path=target)
                move_into_place(tmp, Path(target), force=force)
                moved.append(Path(target))
        except BaseException:
            for target in moved:
                _remove(target)
            raise


@contextlib.contextmanager
def _staged(target: Path, force: bool) -> Iterator[Path]:
    """A temporary path beside ``target`` (removed at the end unless it was moved); the caller moves it."""
    tmp, parent, created = _temporary_beside(target, force)
    done = False
    try:
        yield tmp
        done = True
    except OSError as exc:
        raise write_failure(exc, target) from None
    except Exception as exc:
        if isinstance(exc, OutputError) or not is_disk_full(exc):
            raise
        raise write_failure(exc, target) from None
    finally:
        _remove(tmp)
        if not done or not target.exists():
            _remove_empty(parent, created)


@contextlib.contextmanager
def atomic_directory(target: str | Path, names: list[str], *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary directory to write ``names`` into; on success move each into ``target``.

    All outputs appear together or none do: a failure half-way leaves ``target`` as it was.
    """
    created = _first_missing(Path(target))
    target = ensure_directory(target)
    ok = held = False
    try:
        with claimed(target):
            held = True  # only a run that held the claim may tidy the directory up: another may be writing
            refuse_overwrite([target / n for n in names], force)
            staging = Path(tempfile.mkdtemp(prefix=".placegeo-", dir=target))
            try:
                yield staging
                missing = [n for n in names if not (staging / n).exists()]
                if missing:
                    raise OutputError(f"writer produced no {missing[0]}", path=target)
                _move_all(staging, target, names, force=force)
                ok = True
            except OutputError as err:  # a writer staging inside our staging: name the user's directory
                if err.path and Path(err.path).is_relative_to(staging):
                    err.path = str(target)
                raise
            except OSError as exc:
                raise write_failure(exc, target) from None
            except Exception as exc:
                if not is_disk_full(exc):
                    raise
                raise write_failure(exc, target) from None
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    finally:
        if not ok and held:
            _remove_empty(target, created)


_CLAIMED: dict[str, int] = {}  # directory -> how many blocks of this process hold its claim


@contextlib.contextmanager
def claimed(directory: Path) -> Iterator[None]:
    """Hold ``directory`` for this run: another placegeo run writing into it is refused at once (exit 2).

    An exclusive ``flock`` on the directory itself: nothing is written to claim it, and the claim ends with
    the process however it ends (kill -9 included). Re-entrant within one process."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no flock; the no-replace moves still refuse a second run
        yield
        return

    key = os.path.realpath(directory)
    if key in _CLAIMED:
        _CLAIMED[key] += 1
        try:
            yield
        finally:
            _CLAIMED[key] -= 1
        return
    fd = os.open(key, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError("is being written by another placegeo run", path=directory,
                              hint="wait for it to finish, or choose another --out") from None
        _CLAIMED[key] = 1
        try:
            yield
        finally:
            del _CLAIMED[key]
    finally:
        os.close(fd)  # closing releases the lock


def move_into_place(source: Path, target: Path, *, force: bool) -> None:
    """Move ``source`` onto ``target``: with ``force`` it replaces; without, it never does (a hard link that
    fails when ``target`` appeared meanwhile, as when two runs write one output)."""
    if force:
        os.replace(source, target)
        return
    try:
        os.link(source, target)
    except FileExistsError:
        raise OutputError("already exists (written by another run meanwhile)", path=target,
                          hint="use --force to replace") from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        if target.exists():  # a file system without hard links: check, then rename
            raise OutputError("already exists", path=target, hint="use --force to replace") from None
        os.replace(source, target)
        return
    source.unlink()


def _move_all(staging: Path, target: Path, names: list[str], *, force: bool = True) -> None:
    """Move every staged file into ``target``; if one move fails, put back what was there before."""
    backup = staging / ".previous"
    backup.mkdir()
    done: list[str] = []
    try:
        for name in names:
            if (target / name).exists():
                os.replace(target / name, backup / name)
            done.append(name)
            move_into_place(staging / name, target / name, force=force or (backup / name).exists())
    except BaseException:
        for name in reversed(done):
            with contextlib.suppress(OSError):
                if not (staging / name).exists():  # it was moved in: take it out again
                    (target / name).unlink()
                if (backup / name).exists():
                    os.replace(backup / name, target / name)
        raise


def _first_missing(directory: Path) -> Path | None:
    """The outermost ancestor of ``directory`` (or itself) that does not exist yet: what writing would create."""
    missing = None
    for path in [directory, *directory.parents]:
        if path.exists():
            break
        missing = path
    return missing


def _remove_empty(directory: Path, created: Path | None) -> None:
    """Remove the directories a failed write created (``directory`` up to ``created``), if they are empty."""
    if created is None or created not in [directory, *directory.parents]:
        return
    for path in [directory, *directory.parents]:
        with contextlib.suppress(OSError):
            path.rmdir()
        if path == created:
            break


def write_text(target: str | Path, text: str, *, force: bool = False) -> Path:
    """Write a text file atomically."""
    with atomic_path(target, force=force) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(target)


def write_geopackage(frame: Any, target: str | Path, layer: str, *, force: bool = False,
                     geometry_type: str | None = None, timestamp: str | None = None) -> Path:
    """Write a GeoDataFrame as a one-layer GeoPackage atomically.

    ``geometry_type`` pins the column's type (e.g. ``MultiPolygon``; otherwise it is read from the data);
    ``timestamp`` (ISO 8601, e.g. ``2000-01-01T00:00:00.000Z``) pins the time GDAL stamps into the file, so
    the same frame always gives the same bytes."""
    import pyogrio

    kwargs = {"geometry_type": geometry_type} if geometry_type else {}
    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    if timestamp:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": timestamp})
    try:
        with atomic_path(target, force=force) as tmp:
            frame.to_file(tmp, layer=layer, driver="GPKG", engine="pyogrio", **kwargs)
    finally:
        if timestamp:
            pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})
    return Path(target)


def write_geoparquet(frame: Any, target: str | Path, *, force: bool = False) -> Path:
    """Write a GeoDataFrame as GeoParquet (zstd, no index) atomically."""
    with atomic_path(target, force=force) as tmp:
        frame.to_parquet(tmp, compression="zstd", index=False)
    return Path(target)


def write_table(frame: Any, target: str | Path, *, force: bool = False, **kwargs: Any) -> Path:
    """Write a data table (a build script's lookup) as CSV atomically, unchanged: no index, no formula
    neutralising (``kwargs`` go to ``DataFrame.to_csv``). Users' outputs go through :func:`write_csv`."""
    with atomic_path(target, force=force) as tmp:
        frame.to_csv(tmp, index=False, **kwargs)
    return Path(target)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
