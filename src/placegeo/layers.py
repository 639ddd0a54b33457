"""Reading any boundary file into a checked layer in British National Grid.

``load_layer`` takes a bundled layer id (``lad21``, ``england/lad24``) or a path (GeoPackage,
GeoJSON, Shapefile or zipped Shapefile, FlatGeobuf, GeoParquet). It finds or is told the code and
name columns, reprojects to EPSG:27700, and refuses what would give wrong answers: no CRS, a CRS
that does not fit the coordinates, non-polygons, empty or invalid geometries, duplicate codes.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from placegeo.catalogue import Entry, get_entry, is_bundled
from placegeo.errors import LayerError, UsageError

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np
    import shapely

BNG = "EPSG:27700"
POLYGONAL = {"Polygon", "MultiPolygon"}
ENGINES = ("pyogrio", "fiona")


@dataclass(frozen=True)
class Reading:
    """How boundary files are read: the I/O engine, and whether invalid geometries are mended."""

    engine: str | None = None
    repair: bool = False
    allow_virtual: bool = False  # VRT and GDAL /vsi*/ paths (the CLI's --allow-virtual); never the network
    crs: str | None = None  # the CRS of files that declare none (the CLI's --crs); a declared CRS is kept
    max_memory: float | None = None  # bytes a file read may need (the CLI's --max-memory); None: what is available


_READING: ContextVar[Reading] = ContextVar("placegeo_reading", default=Reading())  # noqa: B039 - frozen


@contextlib.contextmanager
def reading(engine: str | None = None, repair: bool | None = None,
            allow_virtual: bool | None = None, crs: str | None = None,
            max_memory: float | None = None) -> Iterator[Reading]:
    """Read every boundary file within the block with ``engine`` and ``repair`` (the defaults of
    :func:`load_layer` and :func:`read_frame` when they are not passed), then put the previous ones back.

    Passed explicitly by :mod:`placegeo.api` (``compare(..., repair=True)``) and by the CLI's global options;
    there is no environment variable. ``None`` keeps what an enclosing block (the CLI's global options) says.
    ``max_memory`` (bytes) bounds what reading one boundary file may need (:func:`check_memory`)."""
    outer = _READING.get()
    token = _READING.set(Reading(resolve_engine(engine) if engine else outer.engine,
                                 outer.repair if repair is None else bool(repair),
                                 outer.allow_virtual if allow_virtual is None else bool(allow_virtual),
                                 crs or outer.crs,
                                 outer.max_memory if max_memory is None else float(max_memory)))
    try:
        yield _READING.get()
    finally:
        _READING.reset(token)


def current_reading() -> Reading:
    """The engine and repair in force (see :func:`reading`)."""
    return _READING.get()


@dataclass
class Layer:
    """A set of polygons (or points) with a unique code and a name per feature, in EPSG:27700."""

    id: str
    title: str
    frame: gpd.GeoDataFrame
    code: str
    name: str
    source: str
    entry: Entry | None = None
    population: str | None = None
    repaired: int = 0
    # values derived from the frame and kept for reuse (codes as a list, per-atom weights...): the
    # frame of a Layer is treated as read-only once it is built
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def kind(self) -> str | None:
        """What the features are (lsoa, lad, ctyua, ccg, icb, pcn...), when known."""
        return self.entry.kind if self.entry else None

    @property
    def attribution(self) -> str | None:
        """The licence line the data's publisher requires, when known."""
        return self.entry.licence if self.entry else None

    @property
    def codes(self) -> list[str]:
        """Each feature's code as text, in frame order (computed once per Layer; do not change the list)."""
        if "codes" not in self.derived:
            self.derived["codes"] = self.frame[self.code].astype(str).tolist()
        codes: list[str] = self.derived["codes"]
        return codes

    @property
    def names(self) -> list[str]:
        """Each feature's name as text, in frame order (the code when the layer has no name column)."""
        if "names" not in self.derived:
            self.derived["names"] = self.frame[self.name].astype(str).tolist()
        names: list[str] = self.derived["names"]
        return names

    def __len__(self) -> int:
        return len(self.frame)


def resolve_engine(engine: str | None = None) -> str:
    """The I/O engine: ``pyogrio`` (default) or ``fiona`` (the optional extra)."""
    engine = engine or _READING.get().engine or "pyogrio"
    if engine not in ENGINES:
        raise UsageError(f"unknown I/O engine '{engine}'", hint="use pyogrio or fiona")
    if engine == "fiona":
        try:
            import fiona  # noqa: F401
        except ImportError:
            raise UsageError("the fiona engine is not installed", hint="pip install 'placegeo[fiona]'") from None
    return engine


# GDAL drivers placegeo reads boundaries with: real files only (no VRT, no services, no databases)
READABLE_DRIVERS = frozenset({"GPKG", "GeoJSON", "GeoJSONSeq", "ESRI Shapefile", "FlatGeobuf", "Parquet", "KML",
                              "LIBKML", "GML", "CSV"})
VIRTUAL_DRIVERS = frozenset({"OGR_VRT", "GDALG"})  # read only with --allow-virtual
NETWORK_PREFIXES = ("/vsicurl", "/vsis3", "/vsigs", "/vsiaz", "/vsiadls", "/vsioss", "/vsiswift", "/vsihdfs",
                    "/vsiwebhdfs")
_URL = re.compile(r"^[a-z][a-z0-9+.-]+:/")  # http://, https:/ (a Path folds //), ftp://, s3://: never a local file
VIRTUAL_MARKERS = (b"<OGRVRTDataSource", b"<VRTDataset", b"gdal_streamed_alg")


def check_real_file(path: str | Path, *, what: str = "boundary file") -> Path:
    """Refuse what is not a real local file before anything opens it: network and GDAL virtual paths (VRT,
    ``/vsi*/``, ``http://``) unless :func:`reading` allows virtual ones (never the network), FIFOs, devices and
    sockets (reading them would hang or never end). Raises LayerError with one line; returns the path."""
    import stat

    text = str(path)
    lowered = text.lower()
    path = Path(text)
    if _URL.match(lowered) or (lowered.startswith("/vsi") and any(p in lowered for p in NETWORK_PREFIXES)):
        raise LayerError("is a network address: placegeo reads local files only", path=path)
    virtual_ok = _READING.get().allow_virtual
    if lowered.startswith("/vsi") and not virtual_ok:
        raise LayerError("is a GDAL virtual path", path=path, hint="give the file itself, or pass --allow-virtual")
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise LayerError("no such file", path=path) from None
    except OSError as exc:
        raise LayerError(f"cannot read: {exc.strerror or exc}", path=path) from None
    except ValueError:  # a NUL byte in the name: no file can have it
        raise LayerError("is not a valid file name (it holds a NUL character)", path=repr(text)) from None
    if stat.S_ISDIR(mode):
        return path
    if not stat.S_ISREG(mode):
        kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
                else "a device")
        raise LayerError(f"is {kind}, not a {what}", path=path)
    if not virtual_ok:
        if path.suffix.lower() in (".vrt", ".gdalg"):
            raise LayerError("is a GDAL virtual format (VRT)", path=path, hint="pass --allow-virtual to read it")
        try:
            with open(path, "rb") as handle:
                head = handle.read(4096)
        except OSError as exc:
            raise LayerError(f"cannot read: {exc.strerror or exc}", path=path) from None
        if any(marker in head for marker in VIRTUAL_MARKERS):
            raise LayerError("is a GDAL virtual format (VRT)", path=path, hint="pass --allow-virtual to read it")
    return path


def _only_layer(path: Path) -> str | None:
    """The layer to read from a file when none is named: the first, with placegeo's own one-line warning when
    there are several (a GeoPackage holding more than one table), naming the ``layer:`` key that chooses."""
    import warnings

    import pyogrio

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            names = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
    except Exception:  # read_info and read_file say what is wrong with the file, in one line
        return None
    if len(names) > 1:
        from placegeo.errors import PlacegeoWarning

        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        warnings.warn(PlacegeoWarning(
            f"{path}: holds {len(names)} layers ({shown}); reading the first, {names[0]} (choose one with "
            f"layer: NAME in an option file, or --layer NAME with validate)"), stacklevel=3)
        return names[0]
    return None


def _check_driver(path: Path, layer: str | None) -> str | None:
    """Refuse a file GDAL would read with a driver outside :data:`READABLE_DRIVERS`.

    A ``.geojson``/``.json`` file that is a JSON object (and not a GDALG pipeline, which
    :func:`check_real_file` refused) is GeoJSON, ESRI JSON or TopoJSON, all local: it is not opened twice
    (GDAL's GeoJSON driver parses the whole file to open it)."""
    import pyogrio

    if path.suffix.lower() in (".geojson", ".json") and path.is_file():
        with open(path, "rb") as handle:
            if handle.read(64).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
                return layer
    layer = layer or _only_layer(path)  # the layer read: the one named, else the first of several
    kwargs = {"layer": layer} if layer else {}
    driver = pyogrio.read_info(path, **kwargs).get("driver")
    allowed = READABLE_DRIVERS | (VIRTUAL_DRIVERS if _READING.get().allow_virtual else frozenset())
    if driver and driver not in allowed:
        hint = "pass --allow-virtual to read it" if driver in VIRTUAL_DRIVERS else (
            "use GeoPackage, GeoJSON, Shapefile, FlatGeobuf, GeoParquet, KML, GML or CSV with WKT")
        raise LayerError(f"is a {driver} file, which placegeo does not read", path=path, hint=hint)
    return layer


def read_frame(path: str | Path, *, layer: str | None = None, engine: str | None = None,
               columns: list[str] | None = None, near: Box | None = None, crs: str | None = None,
               sized: bool = False) -> gpd.GeoDataFrame:
    """Read a vector file as it is (no checks), turning every reader failure into one LayerError.

    Real files only (:func:`check_real_file`), read by an allowed driver (:data:`READABLE_DRIVERS`);
    ``columns`` reads only those attribute columns (and the geometry). With ``sized`` (a user's file), the
    memory it needs is checked before anything is read (:func:`check_memory`); with ``near`` (a box in
    EPSG:27700, the area a comparison is about) a file of more than :data:`BIG_LAYER` features is read there
    only (``crs``: the file's CRS when it has none)."""
    import geopandas as gpd

    path = check_real_file(path)
    if path.is_dir() and not path.suffix:
        raise LayerError("is a directory, not a boundary file", path=path)
    import warnings

    from placegeo.progress import phase

    try:
        # NaN coordinates: numpy's RuntimeWarning; the checks say it in one line
        with phase(f"reading {path.name}"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if path.suffix.lower() in (".parquet", ".geoparquet"):
                size = check_memory(_sized(path, None, near, crs), path) if sized else None
                frame = gpd.read_parquet(path)
                if size is not None and size.bbox is not None:
                    frame = frame[frame.geometry.intersects(_box(size.bbox))]
                return frame if columns is None else frame[[*columns, frame.geometry.name]]
            _no_network()
            layer = _check_driver(path, layer)
            size = check_memory(_sized(path, layer, near, crs), path) if sized else None
            kwargs: dict[str, Any] = {"layer": layer} if layer else {}
            if columns is not None:
                kwargs["columns"] = columns
            engine = resolve_engine(engine)
            if size is None or size.bbox is None:
                return gpd.read_file(path, engine=engine, **kwargs)
            if engine == "pyogrio":  # in file order (a spatial index returns its own), as a whole read
                frame = gpd.read_file(path, engine=engine, bbox=size.bbox, fid_as_index=True, **kwargs)
                return frame.sort_index().reset_index(drop=True)
            return gpd.read_file(path, engine=engine, bbox=size.bbox, **kwargs)
    except (LayerError, UsageError):
        raise
    except UnicodeDecodeError:
        raise LayerError("is not valid UTF-8 text", path=path) from None
    except Exception as exc:  # every reader has its own exceptions; the user needs one line
        raise LayerError(f"cannot read as a boundary file: {_first_line(exc)}", path=path) from None


Box = tuple[float, float, float, float]

BIG_LAYER = 20_000
"""A boundary file of more features than this, read for a comparison, is read only around the options: its
features whose boxes meet theirs (grown by :data:`NEAR_MARGIN`), found by GDAL's spatial filter (a GeoPackage's
or FlatGeobuf's own index). Features farther away can meet no place, so the figures are the same; memory and
time then follow the features near the options, not the whole file."""

NEAR_MARGIN = 1000.0
"""Metres added around the options' box before a big file is read there (more than any boundary-match snap)."""

MEMORY_BASE = 600e6
"""Bytes a comparison needs whatever the reference file (Python, geopandas, the bundled layers it reads)."""

MEMORY_PER_FEATURE = 5e3
"""Bytes of peak memory per feature read: its row, geometry, code and name, and its share of the overlap
pairs, intersection pieces and population weighting (bench/run.py --only big-layer measures it)."""

MEMORY_PER_FILE_BYTE = 3.0
"""Bytes of peak memory per byte of file read (its vertices: coordinates, edges, intersections)."""


@dataclass(frozen=True)
class FileSize:
    """What reading a boundary file takes in, known before it is read: the features to read (of ``total``),
    the bytes of file they hold (a share of the file by feature count), and the box they are read in (in
    the file's CRS; None: all of them)."""

    features: int
    total: int
    file_bytes: int
    bbox: Box | None = None

    @property
    def memory(self) -> float:
        """Estimated peak memory (bytes) of comparing against these features; bench/run.py --only big-layer
        measures it (docs/dev/contributing.md)."""
        return MEMORY_BASE + MEMORY_PER_FEATURE * self.features + MEMORY_PER_FILE_BYTE * self.file_bytes


def file_size(path: str | Path, *, layer: str | None = None, near: Box | None = None,
              crs: str | None = None) -> FileSize:
    """How much of a boundary file a read takes in (:class:`FileSize`), from its metadata and, when only the
    part ``near`` a box (EPSG:27700) is read, the ids of the features there (no geometry is decoded)."""
    import pyogrio

    path = Path(path)
    nbytes = path.stat().st_size if path.is_file() else sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    if path.suffix.lower() in (".parquet", ".geoparquet"):
        import pyarrow.parquet as pq

        total = int(pq.ParquetFile(path).metadata.num_rows)
        file_crs = crs or _parquet_crs(path) or _READING.get().crs
    else:
        kwargs: dict[str, Any] = {"layer": layer} if layer else {}
        info = pyogrio.read_info(path, **kwargs)
        total = int(info.get("features", -1))
        file_crs = crs or info.get("crs") or _READING.get().crs  # as _checked_crs labels the frame
        if total < 0:
            total = len(pyogrio.raw.read(path, read_geometry=False, columns=[], return_fids=True, **kwargs)[1])
    if near is None or total <= BIG_LAYER or not file_crs:
        return FileSize(total, total, nbytes)
    bbox = _in_crs(near, file_crs)
    if path.suffix.lower() in (".parquet", ".geoparquet"):
        return FileSize(total, total, nbytes, bbox)  # GeoParquet: read whole, then filtered
    kwargs = {"layer": layer} if layer else {}
    fids = pyogrio.raw.read(path, bbox=bbox, read_geometry=False, columns=[], return_fids=True, **kwargs)[1]
    share = len(fids) / total if total else 1.0
    return FileSize(len(fids), total, int(nbytes * share), bbox)


def _sized(path: Path, layer: str | None, near: Box | None, crs: str | None) -> FileSize | None:
    """:func:`file_size`, or None when the metadata cannot be read (the read itself then says what is wrong)."""
    try:
        return file_size(path, layer=layer, near=near, crs=crs)
    except Exception:  # noqa: BLE001 - any reader failure: the read that follows reports it in one line
        return None


def _parquet_crs(path: Path) -> str | None:
    """The CRS of a GeoParquet file's geometry column, from its metadata (None when it has none)."""
    import json

    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).schema_arrow.metadata or {}
    try:
        geo = json.loads(meta.get(b"geo", b"{}"))
        column = geo["columns"][geo["primary_column"]]
    except (KeyError, ValueError, TypeError):
        return None
    found = column.get("crs", "OGC:CRS84")  # GeoParquet: no crs key means longitude/latitude
    return None if found is None else (json.dumps(found) if isinstance(found, dict) else str(found))


def _in_crs(box: Box, crs: str) -> Box:
    """A box in EPSG:27700 as a box in ``crs`` (its edges densified, so it holds the whole area)."""
    from pyproj import CRS, Transformer

    target = CRS.from_user_input(crs)
    if target.to_epsg() == 27700:
        return box
    xmin, ymin, xmax, ymax = Transformer.from_crs(BNG, target, always_xy=True).transform_bounds(*box, densify_pts=21)
    return (xmin, ymin, xmax, ymax)


def _box(bbox: Box) -> Any:
    import shapely

    return shapely.box(*bbox)


def available_memory() -> float | None:
    """Bytes of memory this machine has available now (Linux MemAvailable; else all of it; None: unknown)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(size: FileSize | None, path: str | Path) -> FileSize | None:
    """Refuse, in one line, a file whose features need more memory than allowed (:func:`reading`'s
    ``max_memory``, the CLI's ``--max-memory``) or, by default and for a file of more than :data:`BIG_LAYER`
    features, than the machine has available; say what it would need. Returns ``size``."""
    if size is None:
        return None
    limit = _READING.get().max_memory
    given = limit is not None
    if not given and size.features <= BIG_LAYER:  # a small file is never refused for the machine's sake
        return size
    limit = limit if given else available_memory()
    if limit is None or size.memory <= limit:
        return size
    where = "" if size.features == size.total else f" near the options (of {size.total:,})"
    allowed = "allowed by --max-memory" if given else "available"
    raise LayerError(f"{size.features:,} features{where} ({size.file_bytes / 1e6:,.1f} MB of file) would need "
                     f"about {_gb(size.memory)} of memory, more than the {_gb(limit)} {allowed}",
                     path=path, hint="clip the file to the options' area, or pass --max-memory GB to allow more")


def _gb(nbytes: float) -> str:
    return f"{nbytes / 1e9:.1f} GB"


@functools.cache
def _no_network() -> None:
    """GDAL settings that keep readers off the network (a GML schema or a VRT source on a server)."""
    import pyogrio

    pyogrio.set_gdal_config_options({"GML_DOWNLOAD_WFS_SCHEMA": "NO", "GDAL_HTTP_TIMEOUT": "1",
                                     "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".placegeo-no-network",
                                     "GDAL_HTTP_PROXY": "127.0.0.1:9", "GDAL_HTTPS_PROXY": "127.0.0.1:9"})


def load_layer(
    source: str | Path,
    *,
    code: str | None = None,
    name: str | None = None,
    layer: str | None = None,
    crs: str | None = None,
    repair: bool | None = None,
    engine: str | None = None,
    geometry: str = "polygon",
    near: Box | None = None,
) -> Layer:
    """Load a bundled layer id or a boundary file, checked and in EPSG:27700.

    ``code``/``name`` name the code and name columns (guessed when omitted); ``crs`` labels a file
    that has none; ``repair`` mends invalid geometries with make_valid instead of refusing them (with a
    :class:`~placegeo.errors.RepairWarning` saying how many); by default it follows :func:`reading` (the
    CLI's ``--repair``). ``engine`` is ``pyogrio`` (default, or as :func:`reading` says) or ``fiona``.
    ``near`` (a box in EPSG:27700: the area a comparison is about) reads a file of more than
    :data:`BIG_LAYER` features there only; a file needing more memory than allowed is refused first
    (:func:`check_memory`).
    """
    if repair is None:
        repair = _READING.get().repair
    source_text = str(source)
    entry = None
    if is_bundled(source_text):
        if code is name is layer is crs is None and not repair and engine is None and geometry == "polygon":
            return bundled_layer(source_text, copy=True)
        entry = get_entry(source_text)
        if entry.dissolved:
            frame = _dissolved_frame(entry)
            return layer_from_frame(frame, path=entry.id, code=code or entry.code, name=name or entry.name, crs=crs,
                                    repair=repair, geometry=entry.geometry, entry=entry)
        path = entry.path
        layer = layer or entry.layer
        code = code or entry.code
        name = name or entry.name
        geometry = entry.geometry
    else:
        path = Path(source_text)
        if not path.exists() and "/" not in source_text and "." not in source_text:
            get_entry(source_text)  # raises with suggestions of bundled ids
    frame = read_frame(path, layer=layer, engine=engine, near=None if entry else near, crs=crs, sized=entry is None)
    return layer_from_frame(frame, path=path, code=code, name=name, crs=crs, repair=repair, geometry=geometry,
                            entry=entry)


def bundled_layer(layer_id: str, *, copy: bool = False) -> Layer:
    """A bundled layer, read once per process (a small cache keyed by id and file version).

    Bundled layers are checked when they are built (``make data``), so no geometry or coverage check
    runs here. A layer with no file of its own is dissolved from its atom layer (see
    :func:`dissolved_units`), and the dissolved frame is cached on disk outside the repository.

    With ``copy=False`` the Layer is the shared cached one: read-only, callers must not change its
    frame. ``copy=True`` returns a Layer with its own frame (geometries are immutable and shared).
    """
    import dataclasses

    entry = get_entry(layer_id)
    cached = _read_bundled(layer_id, (*_file_version(entry), _READING.get().engine))
    return dataclasses.replace(cached, frame=cached.frame.copy(), derived={}) if copy else cached


def _file_version(entry: Entry) -> tuple[Any, ...]:
    """What a cached copy of a bundled layer depends on: its file's (or atom file's) path, size and mtime."""
    paths = [entry.path] + ([entry.members_path] if entry.members_path else [])
    version: list[Any] = []
    for path in paths:
        try:
            stat = path.stat()
            version += [str(path), stat.st_mtime_ns, stat.st_size]
        except OSError:
            version += [str(path), 0, 0]
    return tuple(version)


@functools.lru_cache(maxsize=16)
def _read_bundled(layer_id: str, version: tuple[Any, ...]) -> Layer:
    entry = get_entry(layer_id)
    frame = _dissolved_frame(entry) if entry.dissolved else read_frame(entry.path, layer=entry.layer)
    if len(frame) == 0:
        raise LayerError("has no features", path=entry.path)
    if frame.crs is None or frame.crs.to_epsg() != 27700:
        frame = _checked_crs(frame, entry.path, None).to_crs(BNG)
    return Layer(id=entry.id, title=entry.title, frame=frame.reset_index(drop=True), code=entry.code, name=entry.name,
                 source=str(entry.path), entry=entry, population=entry.population)


# --------------------------------------------------------------------------------------------------
# unit layers with no file: dissolved from their atom layer on first use, cached outside the repository

DISSOLVE_FORMAT = 1  # bump when the dissolved frame's layout changes: old cache files are then ignored


def cache_dir() -> Path:
    """Where dissolved layers are cached: ``PLACEGEO_CACHE_DIR``, else ``$XDG_CACHE_HOME/placegeo``, else
    ``~/.cache/placegeo``."""
    env = os.environ.get("PLACEGEO_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "placegeo"


def _cache_path(entry: Entry) -> Path:
    import hashlib

    from placegeo.io import safe_filename

    key = repr((DISSOLVE_FORMAT, entry.id, entry.code, entry.name, entry.population, _grouping_key(entry),
                _file_version(entry)))
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_dir() / f"{safe_filename(entry.id)}-{digest}.parquet"


def feature_areas(layer: Layer) -> np.ndarray:
    """Area (m², EPSG:27700) of each feature of ``layer``, in frame order. For the shared bundled layer
    (:func:`bundled_layer`, never changed) the array is kept beside the dissolved layers (``.npy``, float64
    bit for bit, keyed like them by the file's path, size and mtime), so a CLI run reads 33,755 LSOA areas
    instead of measuring every polygon again."""
    import contextlib
    import hashlib

    import numpy as np
    import shapely

    path = None
    if layer.entry is not None and is_bundled(layer.id) and layer is bundled_layer(layer.id):  # the shared one
        from placegeo.io import safe_filename

        key = repr((DISSOLVE_FORMAT, "areas", layer.entry.id, _file_version(layer.entry), len(layer.frame)))
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        path = cache_dir() / f"{safe_filename(layer.entry.id)}-areas-{digest}.npy"
        with contextlib.suppress(Exception):  # missing or unreadable: measured below
            stored = np.load(path)
            if stored.shape == (len(layer.frame),) and stored.dtype == np.float64:
                return np.asarray(stored, dtype=np.float64)
    areas: np.ndarray = np.asarray(shapely.area(np.asarray(layer.frame.geometry.values, dtype=object)), dtype=float)
    if path is not None:
        with contextlib.suppress(Exception):  # read-only home, full disk, ...: carry on without a cache
            from placegeo.io import atomic_path

            with atomic_path(path, force=True) as tmp, open(tmp, "wb") as out:
                np.save(out, areas)
    return areas


def _grouping_key(entry: Entry) -> tuple[str, str]:
    """(atom layer id, the atom column or members-file column that names the units)."""
    if entry.blocks is not None:
        return entry.blocks.layer, entry.blocks.key
    return entry.extra["members_layer"], entry.code


def _dissolved_frame(entry: Entry) -> gpd.GeoDataFrame:
    """The dissolved frame of a file-less layer: from the disk cache when it is there and sound, else built
    (and cached; a cache that cannot be read or written is never an error, only slower)."""
    import contextlib

    import geopandas as gpd

    path = _cache_path(entry)
    with contextlib.suppress(Exception):  # a missing, corrupt or foreign cache file: dissolve again
        frame = gpd.read_parquet(path)
        if {entry.code, entry.name, "LSOA_COUNT"} <= set(frame.columns) and len(frame) and frame.crs is not None:
            return frame
    from placegeo.progress import phase

    with phase(f"dissolving {entry.id} (once; kept in the cache)"):
        frame = dissolved_units(entry)
    with contextlib.suppress(Exception):  # read-only home, full disk, ...: carry on without a cache
        from placegeo.io import write_geoparquet

        write_geoparquet(frame, path, force=True)
    return frame


def dissolved_units(entry: Entry) -> gpd.GeoDataFrame:
    """One row per unit of a block-built layer: ``shapely.coverage_union_all`` of its atoms' polygons, its
    name, the atoms' population summed (the entry's population column) and ``LSOA_COUNT``; sorted by code.

    The atoms come from the atom layer's column ``blocks.key`` (names from the entry's name column there),
    or from a ``members_file`` CSV (atom code, unit code, unit name). The atom layer is a valid coverage
    (checked at build), which is what makes the coverage union exact.
    """
    import numpy as np
    import pandas as pd

    atom_id, key = _grouping_key(entry)
    atoms = bundled_layer(atom_id)
    if entry.members_path is not None:
        try:
            table = pd.read_csv(entry.members_path, dtype=str)
        except (OSError, ValueError) as exc:
            raise LayerError(f"cannot read the membership table: {_first_line(exc)}", path=entry.members_path) from None
        table = table.rename(columns={table.columns[0]: atoms.code})
        missing = [c for c in (key, entry.name) if c not in table.columns]
        if missing:
            raise LayerError(f"has no column '{missing[0]}'", path=entry.members_path)
        position = pd.Series(np.arange(len(atoms)), index=atoms.frame[atoms.code].astype(str))
        table = table.dropna(subset=[key])
        where = position.reindex(table[atoms.code]).to_numpy()
        if np.isnan(where).any():
            raise LayerError(f"names atoms not in {atom_id}", path=entry.members_path)
        atom_rows = where.astype(np.int64)
        units = table[key].to_numpy(dtype=object)
        names = table[entry.name].to_numpy(dtype=object)
    else:
        frame = atoms.frame
        has = frame[key].notna().to_numpy()
        atom_rows = np.flatnonzero(has)
        units = frame[key].to_numpy(dtype=object)[has]
        names = frame[entry.name].to_numpy(dtype=object)[has] if entry.name in frame.columns else units
    pop_column = atoms.population
    pops = atoms.frame[pop_column].to_numpy()[atom_rows] if pop_column else None
    return dissolve_blocks(atoms.frame.geometry.values[atom_rows], units, names, code=entry.code, name=entry.name,
                           populations=pops, population=entry.population or pop_column, crs=atoms.frame.crs)


def dissolve_blocks(geoms: Any, units: Any, names: Any, *, code: str, name: str, populations: Any = None,
                    population: str | None = None, crs: Any = BNG) -> gpd.GeoDataFrame:
    """One row per unit, sorted by code: ``shapely.coverage_union_all`` of its blocks' polygons, its name (that
    of its first block), the blocks' ``populations`` summed (column ``population``) and ``LSOA_COUNT``.

    ``geoms``, ``units`` (unit code per block), ``names`` and ``populations`` are aligned, one per block; blocks
    keep their order within a unit. The blocks must form a valid coverage for the union to be exact.
    """
    import geopandas as gpd
    import numpy as np
    import shapely

    geoms = np.asarray(geoms, dtype=object)
    units = np.asarray(units, dtype=object)
    names = np.asarray(names, dtype=object)
    pops = None if populations is None else np.asarray(populations)
    codes, group = np.unique(units.astype(str), return_inverse=True)
    order = np.argsort(group, kind="stable")
    starts = np.searchsorted(group[order], np.arange(len(codes) + 1))
    rows: dict[str, list[Any]] = {code: [], name: []}
    if pops is not None:
        rows[population or "POPULATION"] = []
    rows |= {"LSOA_COUNT": [], "geometry": []}
    for k, unit in enumerate(codes):
        members = order[starts[k]:starts[k + 1]]
        rows[code].append(unit)
        rows[name].append(str(names[members[0]]))
        rows["LSOA_COUNT"].append(len(members))
        rows["geometry"].append(shapely.coverage_union_all(geoms[members]))
        if pops is not None:
            rows[population or "POPULATION"].append(pops[members].sum())
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)


def as_layer(source: Any) -> Layer:
    """A Layer from an id, a path, a Layer, or a GeoDataFrame.

    A GeoDataFrame is checked and read as :func:`placegeo.layers.load_layer` reads a file (CRS,
    polygons, the code, name and population columns found the same way; ``<GeoDataFrame>`` in
    messages, ``frame`` as its id). With a single column besides its geometry, that column holds the codes;
    with none, the features are numbered.
    """
    if isinstance(source, Layer):
        return source
    try:
        import geopandas as gpd
    except ImportError:  # pragma: no cover
        gpd = None
    if gpd is not None and isinstance(source, gpd.GeoDataFrame):
        frame, code = source, None
        columns = [c for c in frame.columns if c != frame.geometry.name]
        if not columns:
            frame, code = frame.assign(code=[str(i) for i in range(len(frame))]), "code"
        elif len(columns) == 1:
            code = columns[0]
        layer = layer_from_frame(frame, path="<GeoDataFrame>", code=code)
        layer.id = layer.title = "frame"  # its key in results (messages still say <GeoDataFrame>)
        return layer
    return load_layer(source)


def layer_from_frame(
    frame: gpd.GeoDataFrame,
    *,
    path: str | Path,
    code: str | None = None,
    name: str | None = None,
    crs: str | None = None,
    repair: bool = False,
    geometry: str = "polygon",
    entry: Entry | None = None,
    unique: bool = True,
) -> Layer:
    """Check an in-memory frame as :func:`load_layer` does (``path`` names it in messages)."""
    path = Path(path)
    if len(frame) == 0:
        raise LayerError("has no features", path=path)
    frame = _checked_crs(frame, path, crs)
    frame, repaired = _checked_geometries(frame, path, repair, geometry)
    if repaired:
        import warnings

        from placegeo.errors import RepairWarning

        noun = "geometry" if repaired == 1 else "geometries"
        warnings.warn(RepairWarning(f"{path}: repaired {repaired} invalid {noun} with make_valid"), stacklevel=2)
    if frame.crs.to_epsg() != 27700:
        frame = frame.to_crs(BNG)
    code = _column(frame, code, path, "code", _looks_like_code)
    name = _column(frame, name, path, "name", _looks_like_name, fallback=code)
    if unique:
        _check_codes(frame, code, path)
    frame = frame.reset_index(drop=True)
    return Layer(
        id=entry.id if entry else path.stem,
        title=entry.title if entry else path.stem,
        frame=frame,
        code=code,
        name=name,
        source=str(path),
        entry=entry,
        population=entry.population if entry else _population_column(frame),
        repaired=repaired,
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def _checked_crs(frame: gpd.GeoDataFrame, path: Path, crs: str | None) -> gpd.GeoDataFrame:
    """Insist on a CRS that fits the coordinates: degrees look like degrees, metres like metres."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    fallback = None if crs or frame.crs is not None else _READING.get().crs  # --crs: for files without one
    if crs or fallback:
        try:
            given = CRS.from_user_input(crs or fallback)
        except CRSError:
            raise UsageError(f"unknown CRS '{crs or fallback}'", hint="e.g. EPSG:27700 or EPSG:4326") from None
        frame = frame.set_crs(given, allow_override=True)
    if frame.crs is None:
        raise LayerError("has no CRS (a Shapefile without its .prj?)", path=path,
                         hint="pass --crs EPSG:27700, or crs: EPSG:27700 in an option file")
    problem = crs_problem(frame)
    if problem:
        raise LayerError(problem, path=path)
    return frame


def crs_problem(frame: gpd.GeoDataFrame) -> str | None:
    """Say what is wrong when the coordinates do not fit the declared CRS, else None."""
    import numpy as np

    bounds = frame.geometry.total_bounds
    if not np.all(np.isfinite(bounds)):
        return None
    minx, miny, maxx, maxy = bounds
    if frame.crs.is_geographic:
        if min(minx, miny) < -180 or max(maxx, maxy) > 180 or miny < -90 or maxy > 90:
            return f"CRS {frame.crs.to_string()} is in degrees but the coordinates look like metres"
        if minx >= 45 and maxx <= 62 and miny >= -10 and maxy <= 4:
            return "coordinates look like (latitude, longitude): the axes are swapped"
        return _outside_great_britain(frame)
    if max(abs(minx), abs(miny), abs(maxx), abs(maxy)) <= 180:
        return f"CRS {frame.crs.to_string()} is in metres but the coordinates look like degrees"
    if frame.crs.to_epsg() == 27700 and not _in_great_britain(bounds):
        return "coordinates lie outside Great Britain for EPSG:27700"
    return None if frame.crs.to_epsg() == 27700 else _outside_great_britain(frame)


GREAT_BRITAIN = (-1e5, -1e5, 8e5, 1.4e6)
"""A box round Great Britain in EPSG:27700 metres (minx, miny, maxx, maxy): a layer's data must lie in it."""


def _in_great_britain(bounds: Any) -> bool:
    import numpy as np

    minx, miny, maxx, maxy = GREAT_BRITAIN
    return bool(np.all(np.isfinite(bounds)) and bounds[0] >= minx and bounds[2] <= maxx
                and bounds[1] >= miny and bounds[3] <= maxy)


def _outside_great_britain(frame: gpd.GeoDataFrame) -> str | None:
    """Say where the data are when, moved to EPSG:27700, they do not lie in Great Britain (whatever CRS
    the file declares: data in Slovenia, correctly labelled, are still not an English boundary)."""
    from pyproj import Transformer
    from pyproj.exceptions import ProjError

    minx, miny, maxx, maxy = (float(v) for v in frame.geometry.total_bounds)
    try:
        bng = Transformer.from_crs(frame.crs, BNG, always_xy=True).transform_bounds(minx, miny, maxx, maxy,
                                                                                    densify_pts=21)
        lon, lat = Transformer.from_crs(frame.crs, "EPSG:4326", always_xy=True).transform(
            (minx + maxx) / 2, (miny + maxy) / 2)
    except ProjError:
        return f"coordinates in {frame.crs.to_string()} cannot be moved to British National Grid"
    if _in_great_britain(bng):
        return None
    return (f"the data lie outside Great Britain (CRS {frame.crs.to_string()}; centre at "
            f"{abs(lat):.2f}° {'N' if lat >= 0 else 'S'} {abs(lon):.2f}° {'E' if lon >= 0 else 'W'})")


def _checked_geometries(
    frame: gpd.GeoDataFrame, path: Path, repair: bool, geometry: str
) -> tuple[gpd.GeoDataFrame, int]:
    """Refuse null, empty, non-polygonal or invalid geometries (or mend invalid ones on request)."""
    import shapely

    geoms = frame.geometry.values
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        raise LayerError(f"{int(missing.sum())} feature(s) have an empty or null geometry "
                         f"(first: row {int(missing.argmax()) + 1})", path=path)
    bad = non_finite(geoms)
    if bad.any():  # GEOS cannot measure or mend these (--repair neither)
        raise LayerError(f"{int(bad.sum())} feature(s) have NaN or infinite coordinates "
                         f"(first: row {int(bad.argmax()) + 1})", path=path)
    types = set(frame.geom_type)
    wanted = {"Point", "MultiPoint"} if geometry == "point" else POLYGONAL
    stray = sorted(types - wanted)
    if stray and not (repair and stray == ["GeometryCollection"]):
        noun = "points" if geometry == "point" else "polygons"
        raise LayerError(f"holds {', '.join(stray)} geometries where {noun} belong", path=path)
    if geometry == "point":
        return frame, 0
    invalid = ~shapely.is_valid(geoms)
    if stray:
        invalid |= shapely.get_type_id(geoms) == 7
    if not invalid.any():
        return frame, 0
    if not repair:
        first = int(invalid.argmax())
        reason = shapely.is_valid_reason(geoms[first])
        first += 1  # rows are counted from 1, as in a spreadsheet or QGIS
        raise LayerError(f"{int(invalid.sum())} invalid geometr{'y' if invalid.sum() == 1 else 'ies'} "
                         f"(first: row {first}, {reason})", path=path, hint="use --repair to mend with make_valid")
    frame = frame.copy()
    frame.loc[invalid, frame.geometry.name] = [polygonal_part(g) for g in geoms[invalid]]
    emptied = shapely.is_empty(frame.geometry.values)
    if emptied.any():
        raise LayerError(f"{int(emptied.sum())} invalid geometr{'y has' if emptied.sum() == 1 else 'ies have'} no area "
                         f"left after repair (first: row {int(emptied.argmax()) + 1})", path=path)
    return frame, int(invalid.sum())


def non_finite(geoms: Any) -> Any:
    """A boolean array: which geometries hold a NaN or infinite coordinate."""
    import numpy as np
    import shapely

    geoms = np.asarray(geoms, dtype=object)
    bad = np.zeros(len(geoms), dtype=bool)
    if np.isfinite(shapely.get_coordinates(geoms)).all():  # the usual case, told at once
        return bad
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    wrong = ~np.isfinite(coords).all(axis=1)
    if wrong.any():
        bad[np.unique(index[wrong])] = True
    return bad


def polygonal_part(geom: shapely.Geometry) -> shapely.Geometry:
    """make_valid, keeping only the polygonal parts (a GeometryCollection's lines and points go).

    make_valid gives at most one polygonal member; it is returned as it is (re-unioning it would only
    reorder its vertices), several are unioned."""
    import shapely

    fixed = shapely.make_valid(geom)
    if fixed.geom_type in POLYGONAL:
        return fixed
    parts = [g for g in shapely.get_parts(fixed) if g.geom_type in POLYGONAL]
    if len(parts) == 1:
        return parts[0]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def as_multipolygons(geoms: Any) -> np.ndarray:
    """``geoms`` as an object array with every Polygon wrapped as a one-part MultiPolygon (one geometry type
    per layer, as a GeoPackage column wants)."""
    import numpy as np
    import shapely

    geoms = np.asarray(geoms, dtype=object).copy()
    single = shapely.get_type_id(geoms) == shapely.GeometryType.POLYGON
    geoms[single] = [shapely.MultiPolygon([g]) for g in geoms[single]]
    return np.asarray(geoms, dtype=object)


def repair_polygons(geoms: Any) -> tuple[np.ndarray, np.ndarray]:
    """Mend the invalid polygons of ``geoms`` with :func:`polygonal_part`; return the geometries (an object
    array) and the mask of those that were invalid. Raises LayerError if any is still invalid or empty."""
    import numpy as np
    import shapely

    geoms = np.asarray(geoms, dtype=object).copy()
    invalid = ~shapely.is_valid(geoms)
    geoms[invalid] = [polygonal_part(g) for g in geoms[invalid]]
    if not shapely.is_valid(geoms).all() or shapely.is_empty(geoms).any():
        raise LayerError("geometries still invalid or empty after make_valid")
    return geoms, invalid


def drop_specks(geoms: Any, min_area: float) -> tuple[np.ndarray, int]:
    """Drop the polygon parts under ``min_area`` m² from multi-part features (specks left by generalisation
    and repair), never a feature's last part; return the geometries and how many parts went."""
    import numpy as np
    import shapely

    geoms = np.asarray(geoms, dtype=object).copy()
    dropped = 0
    for k, geom in enumerate(geoms):
        parts = shapely.get_parts(geom)
        keep = [part for part in parts if part.area >= min_area]
        if keep and len(keep) < len(parts):
            geoms[k] = shapely.MultiPolygon(keep)
            dropped += len(parts) - len(keep)
    return geoms, dropped


def to_bng(frame: gpd.GeoDataFrame, *, path: str | Path = "<GeoDataFrame>", crs: str | None = None
           ) -> gpd.GeoDataFrame:
    """``frame`` reprojected to EPSG:27700 after checking that its CRS fits its coordinates (``crs`` labels a
    frame that has none); a LayerError naming ``path`` otherwise."""
    frame = _checked_crs(frame, Path(path), crs)
    return frame if frame.crs.to_epsg() == 27700 else frame.to_crs(BNG)


def _looks_like_code(column: str) -> bool:
    upper = column.upper()
    return upper.endswith("CD") or upper.endswith("_CODE") or upper in {"CODE", "ID"}


def _looks_like_name(column: str) -> bool:
    upper = column.upper()
    return upper.endswith("NM") or upper.endswith("_NAME") or upper == "NAME"


def _column(frame: gpd.GeoDataFrame, wanted: str | None, path: Path, what: str, looks: Callable[[str], bool],
            fallback: str | None = None) -> str:
    """The column holding codes or names: the one asked for, else the first that looks right."""
    columns = [c for c in frame.columns if c != frame.geometry.name]
    if not columns:
        dbf = Path(path).suffix.lower() == ".shp" and not Path(path).with_suffix(".dbf").exists()
        raise LayerError("has no attribute columns, so nothing to take " + what + "s from" + (
            " (its .dbf is missing)" if dbf else " (a Shapefile whose .dbf is missing or broken?)"), path=path)
    if wanted:
        if wanted not in columns:
            raise LayerError(f"has no column '{wanted}' (columns: {', '.join(columns)})", path=path)
        return wanted
    for column in columns:
        if looks(column) and frame[column].notna().all():
            return str(column)
    if fallback:
        return fallback
    raise LayerError(f"cannot tell which column holds the {what}s (columns: {', '.join(columns)})",
                     path=path, hint=f"name it with {what}_column: COLUMN in an option file, or --{what} COLUMN "
                                     "with validate")


def _check_codes(frame: gpd.GeoDataFrame, code: str, path: Path) -> None:
    values = frame[code]
    if values.isna().any():
        raise LayerError(f"{int(values.isna().sum())} feature(s) have no {code}", path=path)
    counts = values.astype(str).value_counts()
    dupes = counts[counts > 1]
    if len(dupes):
        raise LayerError(f"code {dupes.index[0]} appears {int(dupes.iloc[0])} times in {code}; codes must be unique",
                         path=path)


def _population_column(frame: gpd.GeoDataFrame) -> str | None:
    """A numeric column that looks like a population count (POP2020, population, usual_residents)."""
    from pandas.api.types import is_numeric_dtype

    for column in frame.columns:
        upper = str(column).upper()
        looks = upper.startswith("POP") or upper in {"USUAL_RESIDENTS", "TOTAL_POPULATION"}
        if looks and is_numeric_dtype(frame[column]):
            return str(column)
    return None
