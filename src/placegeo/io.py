"""Safe output: write to a temporary file beside the target, then move it into place.

Nothing half-written is ever left behind, and an existing file is only replaced with ``force``.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from placegeo.errors import OutputError


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


def refuse_overwrite(paths: list[Path], force: bool) -> None:
    """Raise before any work if an output exists and ``force`` was not given."""
    if force:
        return
    existing = [p for p in paths if p.exists()]
    if existing:
        more = f" and {len(existing) - 1} more" if len(existing) > 1 else ""
        raise OutputError(f"already exists{more}", path=existing[0], hint="use --force to replace")


@contextlib.contextmanager
def atomic_path(target: str | Path, *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary path to write; on success move it onto ``target``.

    On any failure the temporary file is removed and ``target`` is untouched.
    """
    target = Path(target)
    refuse_overwrite([target], force)
    created = _first_missing(target.parent)
    parent = ensure_directory(target.parent if str(target.parent) else ".")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part" + target.suffix, dir=parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers such as GDAL want to create the file themselves
    try:
        yield tmp
        if not tmp.exists():
            raise OutputError("writer produced no file", path=target)
        os.replace(tmp, target)
    except OSError as exc:
        _remove(tmp)
        _remove_empty(parent, created)
        raise OutputError(f"cannot write: {exc.strerror or exc}", path=target) from None
    except BaseException:
        _remove(tmp)
        _remove_empty(parent, created)
        raise


@contextlib.contextmanager
def atomic_directory(target: str | Path, names: list[str], *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary directory to write ``names`` into; on success move each into ``target``.

    All outputs appear together or none do: a failure half-way leaves ``target`` as it was.
    """
    created = _first_missing(Path(target))
    target = ensure_directory(target)
    ok = False
    try:
        refuse_overwrite([target / n for n in names], force)
        staging = Path(tempfile.mkdtemp(prefix=".placegeo-", dir=target))
        try:
            yield staging
            missing = [n for n in names if not (staging / n).exists()]
            if missing:
                raise OutputError(f"writer produced no {missing[0]}", path=target)
            _move_all(staging, target, names)
            ok = True
        except OutputError as err:  # a writer staging inside our staging: name the user's directory
            if err.path and Path(err.path).is_relative_to(staging):
                err.path = str(target)
            raise
        except OSError as exc:
            raise OutputError(f"cannot write: {exc.strerror or exc}", path=target) from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    finally:
        if not ok:
            _remove_empty(target, created)


def _move_all(staging: Path, target: Path, names: list[str]) -> None:
    """Move every staged file into ``target``; if one move fails, put back what was there before."""
    backup = staging / ".previous"
    backup.mkdir()
    done: list[str] = []
    try:
        for name in names:
            if (target / name).exists():
                os.replace(target / name, backup / name)
            done.append(name)
            os.replace(staging / name, target / name)
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


def write_csv(frame: Any, target: str | Path, *, force: bool = False, **kwargs: Any) -> Path:
    """Write a DataFrame as CSV atomically (no index; ``kwargs`` go to ``DataFrame.to_csv``)."""
    with atomic_path(target, force=force) as tmp:
        frame.to_csv(tmp, index=False, **kwargs)
    return Path(target)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
