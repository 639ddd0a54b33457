"""The bad-input corpus: small functions that each write one bad input, built from the real bundled data.

Every builder takes an empty directory, writes what it needs there (a broken layer cut from the bundled
``lad21``, an option file with one mistake, an output that already exists...) and returns a :class:`Case`: the
command line, the exit code and the one-line message placegeo must answer with. ``tests/test_bad_inputs.py``
runs each case and also checks that nothing was written and nothing that existed was touched.

Builders are registered by category (loading, options, validate, compare, map, report, output) with
``@case``; ``python tests/badinputs/make_corpus.py DIR`` writes the whole corpus out for a look.
"""

from __future__ import annotations

import errno
import functools
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LAD21 = ROOT / "data" / "boundaries" / "lsc" / "lad21.gpkg"
OPTIONS = ROOT / "data" / "options"
# Four neighbouring Fylde-coast and central Lancashire districts: small enough to keep every case fast.
SMALL = ["E06000009", "E07000119", "E07000128", "E07000123"]  # Blackpool, Fylde, Wyre, Preston


@dataclass
class Case:
    """One bad input: how to run it and what placegeo must say."""

    argv: list[str]
    exit_code: int
    message: str  # regex searched in the one line on stderr (or in stdout for findings, see ``stream``)
    stream: str = "stderr"  # "stdout" when the problem is reported as validate findings (exit 1)
    patch: Callable[[Any], None] | None = None  # called with pytest's monkeypatch before the run
    command: str = ""  # the CLI command the case needs (skipped until an engineer has registered it)
    subprocess: bool = False  # also run it through the real console script
    extra: dict[str, Any] = field(default_factory=dict)


Builder = Callable[[Path], Case]
CASES: dict[str, Builder] = {}
CATEGORY: dict[str, str] = {}


def case(category: str) -> Callable[[Builder], Builder]:
    """Register a builder under ``category`` (its function name is the case id)."""

    def register(func: Builder) -> Builder:
        CASES[func.__name__] = func
        CATEGORY[func.__name__] = category
        return func

    return register


# ---------------------------------------------------------------------------------------------------------- helpers

@functools.lru_cache(maxsize=1)
def _lad21():
    import geopandas as gpd

    return gpd.read_file(LAD21)


def small() -> Any:
    """Four real districts (a fresh copy each time), EPSG:27700."""
    frame = _lad21()
    return frame[frame.LAD21CD.isin(SMALL)].reset_index(drop=True).copy()


def write(frame, path: Path, **kwargs) -> Path:
    driver = {".geojson": "GeoJSON", ".gpkg": "GPKG", ".shp": "ESRI Shapefile"}[path.suffix]
    frame.to_file(path, driver=driver, engine="pyogrio", **kwargs)
    return path


def shapefile_without(tmp: Path, suffix: str) -> Path:
    """A small districts Shapefile with one of its side files (``.prj``, ``.dbf``) left out."""
    path = write(small(), tmp / "districts.shp")
    path.with_suffix(suffix).unlink()
    return path


def option_on(tmp: Path, blocks: str, *, places: str | None = None, extra: str = "", name: str = "opt.yaml") -> Path:
    """An option file over the layer ``blocks`` (a bundled id or a file name in ``tmp``)."""
    places = places or ("  - name: Fylde Coast\n    blocks: [Blackpool, Fylde, Wyre]\n"
                        "  - name: Central\n    blocks: [Preston]\n")
    path = tmp / name
    path.write_text(f"name: Test option\nblocks: {blocks}\n{extra}places:\n{places}", encoding="utf-8")
    return path


def load_via_option(tmp: Path, layer: Path, message: str, *, extra: str = "") -> Case:
    """Load ``layer`` as an option's building blocks (``load_layer``), through `placegeo validate --option`."""
    opt = option_on(tmp, layer.name, extra=extra)
    return Case(["validate", "--option", str(opt)], 2, re.escape(layer.name) + ": " + message)


def esc(path: Path) -> str:
    return re.escape(path.name)


def at_line(path: Path, line: int) -> str:
    """An option file and the line of the mistake, as the one-line error names them (``opt.yaml:5``)."""
    return esc(path) + f":{line}"


# ---------------------------------------------------------------------------------------------------------- loading

@case("loading")
def truncated_geojson(tmp: Path) -> Case:
    path = write(small(), tmp / "truncated.geojson")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return Case(["validate", str(path)], 2, esc(path) + r": cannot read as a boundary file", subprocess=True)


@case("loading")
def non_utf8_geojson(tmp: Path) -> Case:
    frame = small()
    text = json.loads(frame.to_json())
    text["features"][0]["properties"]["LAD21NM"] = "Blackpool \u00e9\u00e8"
    path = tmp / "latin1.geojson"
    path.write_bytes(json.dumps(text, ensure_ascii=False).encode("latin-1"))
    return load_via_option(tmp, path, r"(is not valid UTF-8|cannot read)")


@case("loading")
def zip_without_shapefile(tmp: Path) -> Case:
    path = tmp / "boundaries.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("README.txt", "the shapefile was left out\n")
        archive.writestr("districts.csv", "LAD21CD,LAD21NM\nE06000009,Blackpool\n")
    return Case(["validate", str(path)], 2, esc(path) + r": cannot read as a boundary file")


@case("loading")
def shapefile_without_prj(tmp: Path) -> Case:
    path = shapefile_without(tmp, ".prj")
    return load_via_option(tmp, path, r"has no CRS \(a Shapefile without its \.prj\?\) \(pass --crs EPSG:27700, "
                                      r"or crs: EPSG:27700 in an option file\)")


@case("loading")
def shapefile_without_prj_and_an_unknown_crs(tmp: Path) -> Case:
    """--crs names the CRS of a file without one; one pyproj does not know is a usage error."""
    path = shapefile_without(tmp, ".prj")
    return Case(["overlap", str(path), "lad21", "--crs", "EPSG:99999"], 2, r"unknown --crs 'EPSG:99999'",
                command="overlap")


@case("loading")
def option_crs_is_not_text(tmp: Path) -> Case:
    path = shapefile_without(tmp, ".prj")
    opt = option_on(tmp, path.name, extra="crs: 27700\n")
    return Case(["validate", "--option", str(opt), "--format", "github"], 1,
                r"line=3,.*'crs' should be a text such as EPSG:27700, not int", stream="stdout")


@case("loading")
def shapefile_with_a_broken_dbf(tmp: Path) -> Case:
    """A .dbf cut short leaves no attribute columns: said so, not as 'columns: )'."""
    path = write(small(), tmp / "districts.shp")
    dbf = path.with_suffix(".dbf")
    dbf.write_bytes(dbf.read_bytes()[:40])
    return load_via_option(tmp, path, r"has no attribute columns, so nothing to take codes from \(a Shapefile "
                                      r"whose \.dbf is missing or broken\?\)$")


@case("loading")
def shapefile_without_its_dbf(tmp: Path) -> Case:
    path = shapefile_without(tmp, ".dbf")
    return load_via_option(tmp, path, r"has no attribute columns, so nothing to take codes from \(its \.dbf is "
                                      r"missing\)$")


@case("loading")
def geopackage_with_two_layers(tmp: Path) -> Case:
    """Not an error: the first layer is read, with placegeo's own one-line warning naming the layer: key
    (pyogrio's own two-line UserWarning used to reach the terminal)."""
    path = write(small(), tmp / "two-layers.gpkg", layer="districts")
    write(small().iloc[:2], path, layer="older")
    opt = option_on(tmp, path.name)
    return Case(["compare", str(opt), "--against", "lad21", "--format", "csv"], 0,
                r"^placegeo: warning: .*two-layers\.gpkg: holds 2 layers \(districts, older\); reading the first, "
                r"districts \(choose one with layer: NAME in an option file, or --layer NAME with validate\)$",
                command="compare")


@case("loading")
def lonlat_labelled_27700(tmp: Path) -> Case:
    frame = small().to_crs(4326).set_crs(27700, allow_override=True)
    path = write(frame, tmp / "lonlat.gpkg")
    return load_via_option(tmp, path, r"CRS EPSG:27700 is in metres but the coordinates look like degrees")


@case("loading")
def metres_labelled_4326(tmp: Path) -> Case:
    path = write(small().set_crs(4326, allow_override=True), tmp / "metres.gpkg")
    return load_via_option(tmp, path, r"CRS EPSG:4326 is in degrees but the coordinates look like metres")


@case("loading")
def swapped_axes(tmp: Path) -> Case:
    import shapely

    frame = small().to_crs(4326)
    frame["geometry"] = shapely.transform(frame.geometry.values, lambda xy: xy[:, ::-1])
    path = write(frame, tmp / "swapped.gpkg")
    return load_via_option(tmp, path, r"coordinates look like \(latitude, longitude\): the axes are swapped")


@case("loading")
def outside_great_britain(tmp: Path) -> Case:
    frame = small()
    frame["geometry"] = frame.geometry.translate(5_000_000, 0)
    path = write(frame, tmp / "shifted.gpkg")
    return load_via_option(tmp, path, r"coordinates lie outside Great Britain")


@case("loading")
def mixed_geometry_types(tmp: Path) -> Case:
    frame = small()
    frame.loc[1, "geometry"] = frame.geometry[1].boundary
    path = write(frame, tmp / "mixed.gpkg", geometry_type="Unknown")
    return load_via_option(tmp, path, r"holds (Multi)?LineString geometries where polygons belong")


@case("loading")
def points_where_polygons_belong(tmp: Path) -> Case:
    frame = small()
    frame["geometry"] = frame.geometry.representative_point()
    path = write(frame, tmp / "points.gpkg")
    return load_via_option(tmp, path, r"holds Point geometries where polygons belong")


@case("loading")
def lines_where_polygons_belong(tmp: Path) -> Case:
    frame = small()
    frame["geometry"] = frame.geometry.boundary
    path = write(frame, tmp / "lines.geojson")
    return load_via_option(tmp, path, r"holds (Multi)?LineString geometries where polygons belong")


@case("loading")
def empty_geometry(tmp: Path) -> Case:
    import shapely

    frame = small()
    frame.loc[2, "geometry"] = shapely.Polygon()  # the third feature: rows are counted from 1
    path = write(frame, tmp / "empty-geom.gpkg")
    return load_via_option(tmp, path, r"1 feature\(s\) have an empty or null geometry \(first: row 3\)")


@case("loading")
def null_geometry(tmp: Path) -> Case:
    frame = small()
    frame.loc[0, "geometry"] = None
    path = write(frame, tmp / "null-geom.geojson")
    return load_via_option(tmp, path, r"1 feature\(s\) have an empty or null geometry \(first: row 1\)")


@case("loading")
def self_intersection(tmp: Path) -> Case:
    import shapely

    frame = small()
    minx, miny, maxx, maxy = frame.geometry[3].bounds
    frame.loc[3, "geometry"] = shapely.Polygon([(minx, miny), (maxx, maxy), (maxx, miny), (minx, maxy)])
    path = write(frame, tmp / "bowtie.gpkg")
    return load_via_option(tmp, path, r"1 invalid geometry \(first: row 4, Self-intersection.*--repair")


@case("loading")
def duplicate_codes(tmp: Path) -> Case:
    frame = small()
    frame.loc[1, "LAD21CD"] = frame.LAD21CD[0]
    path = write(frame, tmp / "dupes.gpkg")
    return load_via_option(tmp, path, r"code E06000009 appears 2 times in LAD21CD; codes must be unique")


@case("loading")
def missing_codes(tmp: Path) -> Case:
    frame = small()
    frame.loc[2, "LAD21CD"] = None
    path = write(frame, tmp / "nocode.gpkg")
    return load_via_option(tmp, path, r"1 feature\(s\) have no LAD21CD", extra="code_column: LAD21CD\n")


@case("loading")
def unknown_code_column(tmp: Path) -> Case:
    path = write(small(), tmp / "districts.gpkg")
    return load_via_option(tmp, path, r"has no column 'LAD24CD' \(columns: LAD21CD", extra="code_column: LAD24CD\n")


@case("loading")
def no_features(tmp: Path) -> Case:
    path = write(small().iloc[:0], tmp / "nofeatures.gpkg")
    return load_via_option(tmp, path, r"has no features")


@case("loading")
def not_a_boundary_file(tmp: Path) -> Case:
    path = tmp / "districts.gpkg"
    path.write_text("LAD21CD,LAD21NM\nE06000009,Blackpool\n", encoding="utf-8")
    return Case(["validate", str(path)], 2, esc(path) + r": cannot read as a boundary file")


@case("loading")
def no_such_layer_file(tmp: Path) -> Case:
    return Case(["validate", str(tmp / "missing.gpkg")], 2, r"missing\.gpkg: no such file")


@case("loading")
def directory_as_layer(tmp: Path) -> Case:
    (tmp / "shapes").mkdir()
    (tmp / "shapes" / "keep.txt").write_text("kept\n", encoding="utf-8")
    return Case(["validate", str(tmp / "shapes")], 2, r"shapes: is a directory, not a boundary file")


@case("loading")
def unknown_bundled_layer(tmp: Path) -> Case:
    return Case(["validate", "lad2l"], 2, r"lad2l.*(lad21|unknown|no such)")


# ---------------------------------------------------------------------------------------------------------- options

def validate_option(path: Path, code: int, message: str, stream: str = "stderr") -> Case:
    """`placegeo validate --option PATH`; findings (exit 1) as GitHub annotations, one line each."""
    fmt = ["--format", "github"] if stream == "stdout" else []
    return Case(["validate", "--option", str(path), *fmt], code, message, stream=stream)


def option_mistake(path: Path, check: str, line: int | None, message: str) -> Case:
    """A mistake in the option file itself: a finding of ``check`` at ``line`` (exit 1); `compare` refuses the
    file with the same message (tests/test_bad_inputs.py checks that for every option file of the corpus)."""
    where = rf"line={line}," if line else ""
    return validate_option(path, 1, where + rf"title=placegeo {check}::{message}", stream="stdout")


@case("options")
def yaml_with_tabs(tmp: Path) -> Case:
    path = tmp / "tabs.yaml"
    path.write_text("name: Tabs\nblocks: lad21\nplaces:\n\t- name: Blackpool\n\t  blocks: [Blackpool]\n",
                    encoding="utf-8")
    made = option_mistake(path, "option-syntax", 4, r"is not valid YAML at line 4.*tab character")
    made.subprocess = True
    return made


@case("options")
def billion_laughs(tmp: Path) -> Case:
    lines = ["name: Laughs", "blocks: lad21", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, (prev, this) in enumerate(zip("abcdefgh", "bcdefghi", strict=True)):
        lines.append(f"{this}: &{this} [" + ",".join([f"*{prev}"] * 9) + "]")
        del i
    lines.append("places: *i")
    path = tmp / "laughs.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return option_mistake(path, "option-syntax", 4, r"uses YAML aliases")


@case("options")
def recursive_alias(tmp: Path) -> Case:
    path = tmp / "recursive.yaml"
    path.write_text("name: Loop\nblocks: lad21\nplaces: &p\n  - name: Loop\n    blocks: *p\n", encoding="utf-8")
    return option_mistake(path, "option-syntax", 5, r"uses YAML aliases")


@case("options")
def yaml_syntax_error(tmp: Path) -> Case:
    path = tmp / "syntax.yaml"
    path.write_text("name: Broken\nblocks: lad21\nplaces:\n  - name: [Blackpool\n", encoding="utf-8")
    return option_mistake(path, "option-syntax", None, r"is not valid YAML at line \d+")


@case("options")
def toml_syntax_error(tmp: Path) -> Case:
    path = tmp / "broken.toml"
    path.write_text('name = "Broken"\nblocks = lad21\n', encoding="utf-8")
    return option_mistake(path, "option-syntax", 2, r"is not valid TOML")


@case("options")
def option_not_utf8(tmp: Path) -> Case:
    path = tmp / "latin1.yaml"
    path.write_bytes("name: Caf\u00e9 places\nblocks: lad21\nplaces: []\n".encode("latin-1"))
    return option_mistake(path, "option-syntax", 1, r"is not UTF-8 text")


@case("options")
def option_too_big(tmp: Path) -> Case:
    path = tmp / "huge.yaml"
    path.write_text("name: Huge\nblocks: lad21\n# " + "x" * 2_100_000 + "\nplaces: []\n", encoding="utf-8")
    return option_mistake(path, "option-syntax", None, r"is [\d,]+ bytes; an option file is at most 2,000,000")


@case("options")
def places_wrong_type(tmp: Path) -> Case:
    path = tmp / "places-str.yaml"
    path.write_text("name: Wrong\nblocks: lad21\nplaces: Blackpool\n", encoding="utf-8")
    return option_mistake(path, "option-structure", 3, r"'places' should be a list, not str")


@case("options")
def no_such_option(tmp: Path) -> Case:
    return validate_option(tmp / "nowhere.yaml", 2, r"nowhere\.yaml: no such option file")


@case("options")
def unknown_block(tmp: Path) -> Case:
    places = "  - name: Coast\n    blocks: [Blackpol, Fylde]\n"
    return validate_option(option_on(tmp, "lad21", places=places), 1, r"unknown block 'Blackpol'.*Blackpool",
                           stream="stdout")


@case("options")
def overlapping_places(tmp: Path) -> Case:
    places = "  - name: Coast\n    blocks: [Blackpool, Fylde]\n  - name: Wyre and Fylde\n    blocks: [Wyre, Fylde]\n"
    return validate_option(option_on(tmp, "lad21", places=places), 1, r"(E07000119|Fylde).*(two places|overlap)",
                           stream="stdout")


# ---------------------------------------------------------------------------------------------------------- validate

@case("validate")
def validate_invalid_geometry(tmp: Path) -> Case:
    import shapely

    frame = small()
    minx, miny, maxx, maxy = frame.geometry[3].bounds
    frame.loc[3, "geometry"] = shapely.Polygon([(minx, miny), (maxx, maxy), (maxx, miny), (minx, maxy)])
    path = write(frame, tmp / "bowtie.gpkg")
    return Case(["validate", str(path), "--format", "github"], 1,
                esc(path) + r".*E07000128.*invalid geometry: Self-intersection", stream="stdout")


@case("validate")
def validate_duplicate_codes(tmp: Path) -> Case:
    frame = small()
    frame.loc[1, "LAD21CD"] = frame.LAD21CD[0]
    path = write(frame, tmp / "dupes.gpkg")
    return Case(["validate", str(path), "--format", "github"], 1, esc(path) + r".*LAD21CD E06000009 appears 2 times",
                stream="stdout")


@case("validate")
def validate_overlapping_features(tmp: Path) -> Case:
    frame = small()
    frame.loc[0, "geometry"] = frame.geometry[0].buffer(2000)
    path = write(frame, tmp / "overlaps.gpkg")
    return Case(["validate", str(path), "--format", "github"], 1,
                esc(path) + r".*Blackpool \(E06000009\) overlaps Fylde \(E07000119\)", stream="stdout")


@case("validate")
def validate_missing_code_names_the_row_from_1(tmp: Path) -> Case:
    """The third feature has no code: its row is 3, as a spreadsheet or QGIS's attribute table counts."""
    frame = small()
    frame.loc[2, "LAD21CD"] = None
    path = write(frame, tmp / "nocode.gpkg")
    return Case(["validate", str(path), "--code", "LAD21CD", "--format", "github"], 1,
                esc(path) + r".*row 3 has no LAD21CD", stream="stdout")


@case("validate")
def validate_unknown_format(tmp: Path) -> Case:
    return Case(["validate", "lad21", "--format", "yaml"], 2, r"unknown --format 'yaml'")


@case("validate")
def validate_unknown_check(tmp: Path) -> Case:
    return Case(["validate", "lad21", "--skip", "no-such-check"], 2, r"unknown check id 'no-such-check' for --skip")


@case("validate")
def validate_nothing(tmp: Path) -> Case:
    return Case(["validate"], 2, r"nothing to validate")


@case("validate")
def validate_unknown_option_flag(tmp: Path) -> Case:
    return Case(["validate", "lad21", "--colour"], 2, r"No such option: --colour")


# ---------------------------------------------------------------------------------------------------------- output

def _existing_report(tmp: Path) -> Path:
    out = tmp / "report.txt"
    out.write_text("yesterday's report: keep me\n", encoding="utf-8")
    return out


@case("output")
def output_exists_without_force(tmp: Path) -> Case:
    out = _existing_report(tmp)
    return Case(["validate", "lad21", "--out", str(out)], 2, esc(out) + r": already exists \(use --force",
                subprocess=True)


@case("output")
def output_directory_is_a_file(tmp: Path) -> Case:
    blocker = tmp / "results"
    blocker.write_text("a file where the output directory should be\n", encoding="utf-8")
    out = blocker / "report.txt"
    return Case(["validate", "lad21", "--out", str(out)], 2, r"results: is a file, not a directory")


@case("output")
def output_directory_read_only(tmp: Path) -> Case:
    """Tests run as root, for whom chmod 555 is not enforced: os.access says 'not writable' instead."""
    outdir, patch = _locked_directory(tmp)
    return Case(["validate", "lad21", "--out", str(outdir / "report.txt")], 2,
                r"locked: directory is not writable", patch=patch)


def _locked_directory(tmp: Path, module: str | None = None, name: str | None = None, what: str = ""):
    """(a directory os.access calls unwritable, the patch saying so). Tests run as root, for whom chmod is not
    enforced. With ``module``/``name``, that function is patched to fail the test if the work starts first."""
    import os

    outdir = tmp / "locked"
    outdir.mkdir()
    real_access = os.access

    def patch(monkeypatch) -> None:
        import importlib

        monkeypatch.setattr(os, "access", lambda p, mode, *a, **k: False if Path(p) == outdir
                            else real_access(p, mode, *a, **k))
        if module is not None:
            def no_work(*args, **kwargs):
                raise AssertionError(f"{what} before the output was checked")

            monkeypatch.setattr(importlib.import_module(module), name, no_work)

    return outdir, patch


@case("output")
def disk_full(tmp: Path) -> Case:
    """The final move fails with ENOSPC: the temporary file goes, the old report stays."""
    out = _existing_report(tmp)

    def patch(monkeypatch) -> None:
        import placegeo.io

        def full(*args, **kwargs):
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(placegeo.io.os, "replace", full)

    return Case(["validate", "lad21", "--out", str(out), "--force"], 2,
                r"cannot write .*" + esc(out) + r": disk full", patch=patch)


@case("output")
def disk_full_while_writing(tmp: Path) -> Case:
    """The write itself fails half-way (some bytes out, then ENOSPC)."""
    out = tmp / "report.txt"

    def patch(monkeypatch) -> None:
        real = Path.write_text

        def full(self, data, *args, **kwargs):
            real(self, data[: len(data) // 2], *args, **kwargs)
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(Path, "write_text", full)

    return Case(["validate", "lad21", "--out", str(out)], 2, r"cannot write .*" + esc(out) + r": disk full",
                patch=patch)


@case("output")
def interrupted_write(tmp: Path) -> Case:
    """Ctrl-C half-way through writing: exit 130, nothing written, the old file kept."""
    out = _existing_report(tmp)

    def patch(monkeypatch) -> None:
        real = Path.write_text

        def interrupted(self, data, *args, **kwargs):
            real(self, data[: len(data) // 2], *args, **kwargs)
            raise KeyboardInterrupt

        monkeypatch.setattr(Path, "write_text", interrupted)

    return Case(["validate", "lad21", "--out", str(out), "--force"], 130, r"interrupted; nothing was written",
                patch=patch)


# ---------------------------------------------------------------------------------------------------------- compare
# `compare` loads options strictly (load_option stops at the first problem, exit 2), so option mistakes that
# `validate` reports as findings are refused here with one line.

def compare(tmp: Path, option: Path, message: str, *more: str, code: int = 2, against: str = "lad21",
            patch=None) -> Case:
    return Case(["compare", str(option), "--against", against, *more], code, message, command="compare", patch=patch)


@case("options")
def empty_place(tmp: Path) -> Case:
    places = "  - name: Coast\n    blocks: [Blackpool]\n  - name: Nowhere\n    blocks: []\n"
    opt = option_on(tmp, "lad21", places=places)
    return compare(tmp, opt, at_line(opt, 6) + r": place 'Nowhere' is empty \(no blocks\)")


@case("options")
def subunits_of_a_missing_place(tmp: Path) -> Case:
    places = ("  - name: Lancashire\n    subunits:\n      places:\n"
              "        - name: Coast\n          blocks: [Fylde, Wyre]\n"
              "        - name: City\n          blocks: [Preston]\n"
              "  - name: Blackpool\n    blocks: [Blackpool]\n")
    opt = option_on(tmp, "lad21", places=places)
    return Case(["compare", f"{opt}#Lancs", "--against", "lad21"], 2,
                esc(opt) + r": has no place 'Lancs' \(did you mean Lancashire\?\)", command="compare")


@case("options")
def subunits_of_a_place_without_any(tmp: Path) -> Case:
    opt = option_on(tmp, "lad21")
    return Case(["compare", f"{opt}#Central", "--against", "lad21"], 2,
                esc(opt) + r": place 'Central' has no sub-units$", command="compare")


@case("options")
def subunits_with_no_file(tmp: Path) -> Case:
    return Case(["compare", "#Lancashire", "--against", "lad21"], 2, r"#Lancashire: names no option file before '#'",
                command="compare")


@case("compare")
def neighbourhood_band_upside_down(tmp: Path) -> Case:
    return compare(tmp, option_on(tmp, "lad21"), r"--neighbourhood-min \(60,000\) is above --neighbourhood-max",
                   "--neighbourhood-min", "60000", "--neighbourhood-max", "50000")


@case("options")
def overlapping_places_refused(tmp: Path) -> Case:
    places = "  - name: Coast\n    blocks: [Blackpool, Fylde]\n  - name: Wyre and Fylde\n    blocks: [Wyre, Fylde]\n"
    opt = option_on(tmp, "lad21", places=places)
    return compare(tmp, opt, at_line(opt, 7) + r": block E07000119 \(Fylde\) is in two places: 'Coast' and "
                                               r"'Wyre and Fylde'")


@case("options")
def ambiguous_block(tmp: Path) -> Case:
    frame = small()
    frame.loc[frame.LAD21CD == "E07000123", "LAD21NM"] = "Fylde"  # two districts now answer to "Fylde"
    write(frame, tmp / "twofyldes.gpkg")
    places = "  - name: Coast\n    blocks: [Blackpool, fylde]\n"
    opt = option_on(tmp, "twofyldes.gpkg", places=places)
    return compare(tmp, opt, at_line(opt, 5) + r": block 'fylde' in place 'Coast' is ambiguous: it names "
                                               r"E07000119, E07000123")


@case("options")
def unknown_block_refused(tmp: Path) -> Case:
    places = "  - name: Coast\n    blocks: [Blackpol, Fylde]\n"
    opt = option_on(tmp, "lad21", places=places)
    return compare(tmp, opt, at_line(opt, 5) + r": unknown block 'Blackpol' in place 'Coast' \(layer lad21\) "
                                               r"\(did you mean Blackpool\?\)")


@case("options")
def unknown_option_key(tmp: Path) -> Case:
    opt = option_on(tmp, "lad21", extra="colour: red\n")
    return compare(tmp, opt, at_line(opt, 3) + r": unknown key 'colour' in option \(allowed: ")


@case("options")
def unknown_place_key(tmp: Path) -> Case:
    places = "  - name: Coast\n    blocks: [Blackpool]\n    colour: red\n"
    opt = option_on(tmp, "lad21", places=places)
    return compare(tmp, opt, at_line(opt, 6) + r": unknown key 'colour' in a place")


@case("options")
def block_wrong_type(tmp: Path) -> Case:
    places = "  - name: Coast\n    blocks: [Blackpool, {district: Fylde}]\n"
    opt = option_on(tmp, "lad21", places=places)
    return compare(tmp, opt, at_line(opt, 5) + r": block \{'district': 'Fylde'\} in place 'Coast' should be a code "
                                               r"or a name")


@case("options")
def name_wrong_type(tmp: Path) -> Case:
    opt = tmp / "opt.yaml"
    opt.write_text("name: [Test, option]\nblocks: lad21\nplaces:\n  - name: Coast\n    blocks: [Blackpool]\n",
                   encoding="utf-8")
    return compare(tmp, opt, at_line(opt, 1) + r": option 'name' should be a text, not list")


@case("options")
def option_is_a_list(tmp: Path) -> Case:
    path = tmp / "list.yaml"
    path.write_text("- Blackpool\n- Fylde\n", encoding="utf-8")
    return compare(tmp, path, at_line(path, 1) + r": is not an option file \(expected a mapping")


@case("options")
def duplicate_place_names(tmp: Path) -> Case:
    places = "  - name: Coast\n    blocks: [Blackpool]\n  - name: Coast\n    blocks: [Wyre]\n"
    opt = option_on(tmp, "lad21", places=places)
    return compare(tmp, opt, at_line(opt, 6) + r": two places are named 'Coast'")


@case("options")
def no_places(tmp: Path) -> Case:
    opt = option_on(tmp, "lad21", places="  []\n")
    return compare(tmp, opt, at_line(opt, 3) + r": option has no places")


@case("options")
def subunits_do_not_tile(tmp: Path) -> Case:
    places = ("  - name: Coast\n    blocks: [Blackpool, Fylde, Wyre]\n    subunits:\n      places:\n"
              "        - name: North\n          blocks: [Wyre]\n        - name: South\n          blocks: [Fylde]\n")
    opt = option_on(tmp, "lad21", places=places)
    return compare(tmp, opt, at_line(opt, 4) + r": the sub-units of 'Coast' do not tile it \(1 blocks differ\)")


@case("options")
def drawn_option_without_place_column(tmp: Path) -> Case:
    frame = small()[["LAD21CD", "geometry"]]
    path = write(frame, tmp / "drawn.gpkg")
    return compare(tmp, path, esc(path) + r": cannot tell which column names the places")


@case("options")
def drawn_option_with_a_bow_tie(tmp: Path) -> Case:
    """A drawing `compare` cannot use (an invalid polygon): `validate --option` reports it with the same words."""
    import shapely

    frame = small()
    frame["place"] = ["Coast", "Coast", "Coast", "Central"]
    minx, miny, maxx, maxy = frame.geometry[3].bounds
    frame.loc[3, "geometry"] = shapely.Polygon([(minx, miny), (maxx, maxy), (maxx, miny), (minx, maxy)])
    path = write(frame, tmp / "drawn.gpkg")
    return validate_option(path, 1, r"title=placegeo option-drawing::1 invalid geometry \(first: row 4, "
                                    r"Self-intersection", stream="stdout")


@case("compare")
def compare_against_truncated_layer(tmp: Path) -> Case:
    layer = write(small(), tmp / "reference.geojson")
    layer.write_bytes(layer.read_bytes()[:5000])
    opt = option_on(tmp, "lad21")
    return compare(tmp, opt, esc(layer) + r": cannot read as a boundary file", against=str(layer))


@case("compare")
def compare_against_points(tmp: Path) -> Case:
    frame = small()
    frame["geometry"] = frame.geometry.centroid
    layer = write(frame, tmp / "centroids.gpkg")
    return compare(tmp, option_on(tmp, "lad21"), esc(layer) + r": holds Point geometries where polygons belong",
                   against=str(layer))


@case("compare")
def compare_against_unknown_layer(tmp: Path) -> Case:
    return compare(tmp, option_on(tmp, "lad21"), r"ccg2l", against="ccg2l")


@case("compare")
def compare_unknown_weight(tmp: Path) -> Case:
    return compare(tmp, option_on(tmp, "lad21"), r"unknown --weight 'households' \(use area, population or both\)",
                   "--weight", "households")


@case("compare")
def compare_tolerance_out_of_range(tmp: Path) -> Case:
    return compare(tmp, option_on(tmp, "lad21"), r"tolerance 5(\.0)? is out of range", "--tol", "5")


@case("compare")
def compare_tolerance_not_a_number(tmp: Path) -> Case:
    return compare(tmp, option_on(tmp, "lad21"), r"Invalid value for '--tol'", "--tol", "one percent")


@case("compare")
def compare_two_options_same_name(tmp: Path) -> Case:
    first = option_on(tmp, "lad21", name="a.yaml")
    second = option_on(tmp, "lad21", name="b.yaml")
    return Case(["compare", str(first), str(second), "--against", "lad21"], 2,
                r"two options share the name 'Test option'", command="compare")


@case("output")
def compare_out_is_a_file(tmp: Path) -> Case:
    blocker = tmp / "results"
    blocker.write_text("not a directory\n", encoding="utf-8")
    return compare(tmp, option_on(tmp, "lad21"), r"results: is a file, not a directory", "--out", str(blocker))


def _previous_results(tmp: Path) -> Path:
    """An --out directory holding last week's compare outputs (which must survive a failed run)."""
    out = tmp / "results"
    out.mkdir()
    for name in ("scorecard.csv", "splits.csv", "places.csv", "overlap.csv", "comparison.json",
                 "places-Test-option.gpkg"):
        (out / name).write_text(f"last week's {name}\n", encoding="utf-8")
    return out


@case("output")
def compare_outputs_exist_without_force(tmp: Path) -> Case:
    out = _previous_results(tmp)
    made = compare(tmp, option_on(tmp, "lad21"), r"results/scorecard\.csv: already exists and \d more \(use --force",
                   "--out", str(out))
    made.subprocess = True
    return made


@case("output")
def compare_gpkg_exists_without_force(tmp: Path) -> Case:
    out = tmp / "results"
    out.mkdir()
    (out / "places-Test-option.gpkg").write_text("a planner's own file\n", encoding="utf-8")
    return compare(tmp, option_on(tmp, "lad21"), r"places-Test-option\.gpkg: already exists \(use --force",
                   "--out", str(out))


def _fail_nth_replace(n: int, exc: BaseException):
    """Patch os.replace and os.link (the moves of placegeo.io) so that the ``n``-th move raises ``exc``."""

    def patch(monkeypatch) -> None:
        import os

        import placegeo.io

        calls = {"n": 0}
        real = os.replace

        def replace(src, dst, *args, **kwargs):
            calls["n"] += 1
            if calls["n"] == n:
                raise exc
            return real(src, dst, *args, **kwargs)

        real_link = os.link

        def link(src, dst, *args, **kwargs):  # a move that must not replace (no --force) is a hard link
            calls["n"] += 1
            if calls["n"] == n:
                raise exc
            return real_link(src, dst, *args, **kwargs)

        monkeypatch.setattr(placegeo.io.os, "replace", replace)
        monkeypatch.setattr(placegeo.io.os, "link", link)

    return patch


@case("output")
def compare_disk_full_half_way(tmp: Path) -> Case:
    """--force over last week's outputs; the disk fills on the fourth move: last week's files all come back."""
    out = _previous_results(tmp)
    enospc = OSError(errno.ENOSPC, "No space left on device")
    return compare(tmp, option_on(tmp, "lad21"), r"cannot write .*results: disk full",
                   "--out", str(out), "--force", patch=_fail_nth_replace(4, enospc))


@case("output")
def compare_disk_full_new_directory(tmp: Path) -> Case:
    """A new --out directory and a full disk: not even the empty directory is left behind."""
    enospc = OSError(errno.ENOSPC, "No space left on device")
    return compare(tmp, option_on(tmp, "lad21"), r"cannot write .*new/results: disk full",
                   "--out", str(tmp / "new" / "results"), patch=_fail_nth_replace(1, enospc))


@case("output")
def compare_interrupted_while_writing(tmp: Path) -> Case:
    """Ctrl-C while the CSVs are written: exit 130, nothing in --out, last week's files intact."""
    out = _previous_results(tmp)

    def patch(monkeypatch) -> None:
        import pandas as pd

        real = pd.DataFrame.to_csv
        calls = {"n": 0}

        def to_csv(self, *args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 2:
                raise KeyboardInterrupt
            return real(self, *args, **kwargs)

        monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv)

    return compare(tmp, option_on(tmp, "lad21"), r"interrupted; nothing was written", "--out", str(out), "--force",
                   code=130, patch=patch)


@case("output")
def compare_interrupted_while_moving(tmp: Path) -> Case:
    """Ctrl-C between two moves into --out: the moved files are taken back out, last week's files restored."""
    out = _previous_results(tmp)
    return compare(tmp, option_on(tmp, "lad21"), r"interrupted; nothing was written", "--out", str(out), "--force",
                   code=130, patch=_fail_nth_replace(5, KeyboardInterrupt()))


# ---------------------------------------------------------------------------------------------------------- map

def map_case(tmp: Path, message: str, *more: str, code: int = 2, option: Path | None = None, patch=None) -> Case:
    option = option or option_on(tmp, "lad21")
    return Case(["map", str(option), *more], code, message, command="map", patch=patch)


@case("map")
def map_unknown_paper(tmp: Path) -> Case:
    return map_case(tmp, r"unknown --paper 'a5' \(use a4-landscape, a4-portrait, a3-landscape or 16:9\)", "--paper",
                    "a5", "--out", str(tmp / "map.png"))


@case("map")
def map_unknown_format(tmp: Path) -> Case:
    return map_case(tmp, r"(unknown format 'gif'|cannot tell the format from 'map\.gif')",
                    "--out", str(tmp / "map.gif"))


@case("map")
def map_dpi_out_of_range(tmp: Path) -> Case:
    return map_case(tmp, r"--dpi 5 is out of range", "--dpi", "5", "--out", str(tmp / "map.png"))


@case("map")
def map_two_options_without_side_by_side(tmp: Path) -> Case:
    first = option_on(tmp, "lad21", name="a.yaml")
    second = option_on(tmp, "lad21", name="b.yaml")
    return Case(["map", str(first), str(second), "--out", str(tmp / "map.png")], 2,
                r"2 options given \(add --side-by-side", command="map")


@case("map")
def map_overlay_of_lines(tmp: Path) -> Case:
    frame = small()
    frame["geometry"] = frame.geometry.boundary
    lines = write(frame, tmp / "roads.gpkg")
    return map_case(tmp, esc(lines) + r": holds (Multi)?LineString geometries where polygons belong",
                    "--overlay", str(lines), "--out", str(tmp / "map.png"))


@case("map")
def map_option_with_bad_blocks_layer(tmp: Path) -> Case:
    layer = write(small().set_crs(4326, allow_override=True), tmp / "metres.gpkg")
    opt = option_on(tmp, layer.name)
    return map_case(tmp, esc(layer) + r": CRS EPSG:4326 is in degrees", option=opt, )


@case("output")
def map_exists_without_force(tmp: Path) -> Case:
    out = tmp / "map.png"
    out.write_bytes(b"\x89PNG last week's map")
    return map_case(tmp, r"map\.png: already exists \(use --force", "--out", str(out))


@case("output")
def map_disk_full(tmp: Path) -> Case:
    out = tmp / "map.png"
    out.write_bytes(b"\x89PNG last week's map")
    enospc = OSError(errno.ENOSPC, "No space left on device")
    return map_case(tmp, r"cannot write .*map\.png: disk full", "--out", str(out), "--force",
                    patch=_fail_nth_replace(1, enospc))


@case("output")
def map_interrupted(tmp: Path) -> Case:
    out = tmp / "maps" / "map.pdf"

    def patch(monkeypatch) -> None:
        import placegeo.render.pages as pages

        real = pages.save_figure

        def interrupted(fig, path, *args, **kwargs):
            real(fig, path, *args, **kwargs)
            raise KeyboardInterrupt

        monkeypatch.setattr(pages, "save_figure", interrupted)

    return map_case(tmp, r"interrupted; nothing was written", "--out", str(out), code=130, patch=patch)


# ---------------------------------------------------------------------------------------------------------- report

def report_case(tmp: Path, message: str, *more: str, code: int = 2, patch=None, out: Path | None = None) -> Case:
    out = out or tmp / "report"
    return Case(["report", str(option_on(tmp, "lad21")), "--against", "lad21", "--out", str(out), "--no-maps",
                 "--format", "md,csv,json", *more], code, message, command="report", patch=patch)


@case("report")
def report_unknown_format(tmp: Path) -> Case:
    """In the old spelling (--formats): still understood, and the same one line."""
    made = report_case(tmp, r"unknown --format 'docx' \(use html, xlsx, md, csv or json\)")
    made.argv[-2:] = ["--formats", "md,docx"]
    return made


@case("report")
def report_no_format(tmp: Path) -> Case:
    made = report_case(tmp, r"--format ',' names nothing")
    made.argv[-1] = ","
    return made


@case("report")
def report_bad_option(tmp: Path) -> Case:
    made = report_case(tmp, r"opt\.yaml: is not valid YAML at line 4.*tab character")
    (tmp / "opt.yaml").write_text("name: Tabs\nblocks: lad21\nplaces:\n\t- name: Blackpool\n", encoding="utf-8")
    return made


@case("report")
def report_against_swapped_axes(tmp: Path) -> Case:
    import shapely

    frame = small().to_crs(4326)
    frame["geometry"] = shapely.transform(frame.geometry.values, lambda xy: xy[:, ::-1])
    layer = write(frame, tmp / "swapped.geojson")
    made = report_case(tmp, esc(layer) + r": coordinates look like \(latitude, longitude\): the axes are swapped")
    made.argv[made.argv.index("--against") + 1] = str(layer)
    return made


@case("output")
def report_out_is_a_file(tmp: Path) -> Case:
    blocker = tmp / "report"
    blocker.write_text("not a directory\n", encoding="utf-8")
    return report_case(tmp, r"report: is a file, not a directory", out=blocker)


@case("output")
def report_exists_without_force(tmp: Path) -> Case:
    out = tmp / "report"
    out.mkdir()
    (out / "report.md").write_text("# last week's report\n", encoding="utf-8")
    return report_case(tmp, r"report\.md: already exists \(use --force", out=out)


@case("output")
def report_disk_full_half_way(tmp: Path) -> Case:
    out = tmp / "report"
    out.mkdir()
    (out / "report.md").write_text("# last week's report\n", encoding="utf-8")
    enospc = OSError(errno.ENOSPC, "No space left on device")
    return report_case(tmp, r"cannot write .*report: disk full", "--force", out=out,
                       patch=_fail_nth_replace(3, enospc))


@case("output")
def report_interrupted(tmp: Path) -> Case:
    return report_case(tmp, r"interrupted; nothing was written", code=130,
                       patch=_fail_nth_replace(2, KeyboardInterrupt()))


# ---------------------------------------------------------------------------------------------------------- round two
# issue 18: virtual and special files, unbounded numbers and nesting, NaN everywhere, full disks in GDAL's words,
# overlong names. Each is one line, exit 2 (or a finding, exit 1), and nothing written.

VRT = """<OGRVRTDataSource>
  <OGRVRTLayer name="secret">
    <SrcDataSource>{source}</SrcDataSource>
  </OGRVRTLayer>
</OGRVRTDataSource>
"""


@case("virtual")
def vrt_as_layer(tmp: Path) -> Case:
    """A VRT reads any local file into the outputs: refused unless --allow-virtual."""
    secret = write(small(), tmp / "secret.gpkg")
    path = tmp / "districts.vrt"
    path.write_text(VRT.format(source=secret), encoding="utf-8")
    return Case(["validate", str(path)], 2, esc(path) + r": is a GDAL virtual format \(VRT\) \(pass --allow-virtual",
                subprocess=True)


@case("virtual")
def vrt_disguised_as_geojson(tmp: Path) -> Case:
    """The suffix says GeoJSON, the content is a VRT: GDAL goes by content, and so does the check."""
    secret = write(small(), tmp / "secret.gpkg")
    path = tmp / "districts.geojson"
    path.write_text(VRT.format(source=secret), encoding="utf-8")
    return load_via_option(tmp, path, r"is a GDAL virtual format \(VRT\)")


@case("virtual")
def vrt_as_blocks(tmp: Path) -> Case:
    secret = write(small(), tmp / "secret.gpkg")
    path = tmp / "blocks.vrt"
    path.write_text(VRT.format(source=secret), encoding="utf-8")
    opt = option_on(tmp, path.name)
    return compare(tmp, opt, esc(path) + r": is a GDAL virtual format \(VRT\)")


@case("virtual")
def vsi_path_as_layer(tmp: Path) -> Case:
    layer = write(small(), tmp / "districts.gpkg")
    with zipfile.ZipFile(tmp / "d.zip", "w") as archive:
        archive.write(layer, "districts.gpkg")
    path = f"/vsizip/{tmp / 'd.zip'}/districts.gpkg"
    return Case(["validate", path], 2, r"/vsizip/.*: is a GDAL virtual path \(give the file itself, or pass "
                r"--allow-virtual\)")


@case("virtual")
def vsicurl_as_against(tmp: Path) -> Case:
    """A network source is refused before anything connects, --allow-virtual or not."""
    return compare(tmp, option_on(tmp, "lad21"), r"/vsicurl/http:/+127\.0\.0\.1:9/d\.gpkg: is a network address: "
                   r"placegeo reads local files only", "--allow-virtual",
                   against="/vsicurl/http://127.0.0.1:9/d.gpkg")


@case("virtual")
def url_as_layer(tmp: Path) -> Case:
    return Case(["validate", "https://127.0.0.1:9/districts.geojson"], 2,
                r"https:/+127\.0\.0\.1:9/districts\.geojson: is a network address")


@case("virtual")
def fifo_as_option(tmp: Path) -> Case:
    """Reading a named pipe waits for a writer that never comes: refused at once."""
    import os

    path = tmp / "option.yaml"
    os.mkfifo(path)
    return Case(["compare", str(path), "--against", "lad21"], 2, esc(path) + r": is a FIFO \(named pipe\), not an "
                r"option file", command="compare", subprocess=True)


@case("virtual")
def fifo_as_blocks(tmp: Path) -> Case:
    import os

    path = tmp / "blocks.gpkg"
    os.mkfifo(path)
    return compare(tmp, option_on(tmp, path.name), esc(path) + r": is a FIFO \(named pipe\), not a boundary file")


@case("virtual")
def fifo_as_pcn_membership(tmp: Path) -> Case:
    import os

    path = tmp / "membership.csv"
    os.mkfifo(path)
    return Case(["pcn", "build", "--membership", str(path), "--practices", str(path), "--out", str(tmp / "p.gpkg")],
                2, esc(path) + r": is not a regular file \(a FIFO or a device\), not a CSV file", command="pcn")


@case("virtual")
def device_as_layer(tmp: Path) -> Case:
    return Case(["validate", "/dev/null"], 2, r"/dev/null: is a device, not a boundary file")


@case("options")
def duplicate_yaml_key(tmp: Path) -> Case:
    path = tmp / "dupes.yaml"
    path.write_text("name: First\nblocks: lad21\nname: Second\nplaces:\n  - name: Coast\n    blocks: [Blackpool]\n",
                    encoding="utf-8")
    return option_mistake(path, "option-syntax", 3, r"repeats the key 'name' at line 3 \(each key may appear once\)")


@case("options")
def duplicate_yaml_key_in_a_place(tmp: Path) -> Case:
    path = tmp / "dupes.yaml"
    path.write_text("name: Dupes\nblocks: lad21\nplaces:\n  - name: Coast\n    blocks: [Blackpool]\n"
                    "    blocks: [Fylde]\n", encoding="utf-8")
    return option_mistake(path, "option-syntax", 6, r"repeats the key 'blocks' at line 6")


@case("options")
def yaml_integer_5000_digits(tmp: Path) -> Case:
    path = tmp / "digits.yaml"
    path.write_text("name: Digits\nblocks: lad21\nplaces:\n  - name: Coast\n    blocks: [" + "9" * 5000 + "]\n",
                    encoding="utf-8")
    return option_mistake(path, "option-syntax", 5, r"holds a number of 5,000 digits; at most 4,300")


@case("options")
def toml_integer_5000_digits(tmp: Path) -> Case:
    path = tmp / "digits.toml"
    path.write_text('name = "Digits"\nblocks = "lad21"\nsize = ' + "7" * 5000 + "\n", encoding="utf-8")
    return option_mistake(path, "option-syntax", 3, r"holds a number of 5,000 digits; at most 4,300")


@case("options")
def toml_nested_5000_deep(tmp: Path) -> Case:
    path = tmp / "deep.toml"
    path.write_text('name = "Deep"\nblocks = "lad21"\nv = ' + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    return option_mistake(path, "option-syntax", None, r"nests values more than 100 levels deep")


@case("options")
def yaml_nested_5000_deep(tmp: Path) -> Case:
    path = tmp / "deep.yaml"
    path.write_text("name: Deep\nblocks: lad21\nv: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    return option_mistake(path, "option-syntax", 3, r"nests values more than 100 levels deep")


@case("compare")
def compare_tolerance_nan(tmp: Path) -> Case:
    return compare(tmp, option_on(tmp, "lad21"), r"--tol must be a finite number, not nan", "--tol", "nan")


@case("compare")
def compare_snap_nan(tmp: Path) -> Case:
    return compare(tmp, option_on(tmp, "lad21"), r"--snap must be a finite number, not nan", "--snap", "nan")


@case("compare")
def compare_snap_infinite(tmp: Path) -> Case:
    return compare(tmp, option_on(tmp, "lad21"), r"--snap must be a finite number, not inf", "--snap", "inf")


@case("map")
def map_tolerance_nan(tmp: Path) -> Case:
    return map_case(tmp, r"--tol must be a finite number, not nan", "--tol", "nan")


def _with_coordinate(value: float) -> Any:
    import shapely

    frame = small()
    minx, miny, maxx, maxy = frame.geometry[2].bounds
    frame.loc[2, "geometry"] = shapely.Polygon([(minx, miny), (value, maxy), (maxx, maxy), (minx, miny)])
    return frame


@case("loading")
def nan_coordinates(tmp: Path) -> Case:
    path = write(_with_coordinate(float("nan")), tmp / "nan.gpkg")
    return load_via_option(tmp, path, r"1 feature\(s\) have NaN or infinite coordinates \(first: row 3\)")


@case("loading")
def infinite_coordinates_with_repair(tmp: Path) -> Case:
    """--repair is the remedy placegeo suggests for invalid geometries; it cannot mend infinities either."""
    path = write(_with_coordinate(float("inf")), tmp / "inf.gpkg")
    opt = option_on(tmp, path.name)
    return Case(["--repair", "compare", str(opt), "--against", "lad21"], 2,
                esc(path) + r": 1 feature\(s\) have NaN or infinite coordinates \(first: row 3\)", command="compare")


@case("validate")
def validate_nan_coordinates(tmp: Path) -> Case:
    """validate reports them as a finding (exit 1), naming the feature, and checks the rest."""
    frame = _with_coordinate(float("nan"))
    path = write(frame, tmp / "nan.gpkg")
    return Case(["validate", str(path), "--format", "github"], 1,
                rf"title=placegeo geometry-non-finite::{frame.LAD21CD[2]}: has a NaN or infinite coordinate",
                stream="stdout")


@case("output")
def gdal_disk_full(tmp: Path) -> Case:
    """GDAL says 'No space left on device' in its own exception: still one line, and nothing left behind."""

    def patch(monkeypatch) -> None:
        import geopandas as gpd

        def full(self, *args, **kwargs):
            from pyogrio.errors import DataSourceError

            raise DataSourceError("sqlite3_exec(COMMIT) failed: database or disk is full: No space left on device")

        monkeypatch.setattr(gpd.GeoDataFrame, "to_file", full)

    out = tmp / "results"
    return compare(tmp, option_on(tmp, "lad21"), r"cannot write .*results: disk full", "--out", str(out),
                   patch=patch)


@case("output")
def report_into_unwritable_directory(tmp: Path) -> Case:
    """Found before any work (tests run as root, so os.access is patched to say 'not writable')."""
    outdir, patch = _locked_directory(tmp, "placegeo.api", "report_inputs", "the work started")
    return report_case(tmp, r"locked: directory is not writable", out=outdir / "report", patch=patch)


@case("output")
def map_into_unwritable_directory(tmp: Path) -> Case:
    """`map --out` into a directory that cannot be written: refused before the (slow) drawing."""
    outdir, patch = _locked_directory(tmp, "placegeo.tasks", "map_options", "the map was drawn")
    return map_case(tmp, r"locked: directory is not writable", "--out", str(outdir / "map.png"), patch=patch)


@case("output")
def report_concurrent_run_holds_the_directory(tmp: Path) -> Case:
    """Another run is writing into the same --out (it holds the directory's lock): refused at once, exit 2."""
    out = tmp / "report"
    out.mkdir()

    def patch(monkeypatch) -> None:
        import atexit
        import fcntl
        import os

        fd = os.open(out, os.O_RDONLY)  # flock holds per open file: this one is "the other run"
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        atexit.register(os.close, fd)

    return report_case(tmp, r"report: is being written by another placegeo run \(wait for it to finish",
                       out=out, patch=patch)


# ---------------------------------------------------------------------------------------------------------- big
# issue 18 point 7: a reference file needing more memory than allowed is refused before it is read, saying what
# it would need (features, megabytes of file, gigabytes of memory: placegeo.layers.FileSize.memory)


@case("big")
def more_memory_than_allowed(tmp: Path) -> Case:
    """Four districts need about 0.6 GB (the base of any compare, MEMORY_BASE): more than --max-memory 0.1."""
    from placegeo.layers import MEMORY_BASE, MEMORY_PER_FEATURE, MEMORY_PER_FILE_BYTE

    path = write(small(), tmp / "districts.gpkg")
    size = path.stat().st_size
    need = (MEMORY_BASE + 4 * MEMORY_PER_FEATURE + MEMORY_PER_FILE_BYTE * size) / 1e9
    return Case(["--max-memory", "0.1", "compare", str(option_on(tmp, "lad21")), "--against", str(path)], 2,
                esc(path) + rf": 4 features \({size / 1e6:.1f} MB of file\) would need about {need:.1f} GB of "
                r"memory, more than the 0\.1 GB allowed by --max-memory \(clip the file to the options' area, or "
                r"pass --max-memory GB to allow more\)", command="compare", subprocess=True)


@case("big")
def max_memory_nan(tmp: Path) -> Case:
    return Case(["--max-memory", "nan", "compare", str(option_on(tmp, "lad21"))], 2,
                r"--max-memory nan is not a number of GB above 0 \(e\.g\. --max-memory 4\)", command="compare")


@case("big")
def max_memory_zero(tmp: Path) -> Case:
    return Case(["--max-memory", "0", "compare", str(option_on(tmp, "lad21"))], 2,
                r"--max-memory 0\.0 is not a number of GB above 0", command="compare")


def build(name: str, tmp: Path) -> Case:
    """Write case ``name`` into ``tmp`` and return it."""
    result = CASES[name](tmp)
    result.extra.setdefault("category", CATEGORY[name])
    return result


if __name__ == "__main__":  # write every case into DIR for a look: python tests/badinputs/make_corpus.py DIR
    import sys

    base = Path(sys.argv[1] if len(sys.argv) > 1 else "badinputs-out")
    for name in CASES:
        (base / name).mkdir(parents=True, exist_ok=True)
        made = build(name, base / name)
        print(f"{CATEGORY[name]:9} {name:32} exit {made.exit_code}  placegeo {' '.join(made.argv)}")


# ---------------------------------------------------------------------------------------------- broken references

def _moved(frame: Any, code: str, dx: float) -> Any:
    import shapely

    at = frame.index[frame["LAD21CD"].eq(code)][0]
    frame.loc[at, "geometry"] = shapely.affinity.translate(frame.geometry[at], dx, 0)
    return frame


def _elsewhere(epsg: int, lat: float, lon: float) -> Any:
    """The four districts, same shapes, centred on (lat, lon) and labelled with ``epsg`` there (correctly)."""
    import geopandas as gpd
    import shapely

    frame = small()
    middle = frame.geometry.union_all().centroid
    target = gpd.GeoSeries([shapely.Point(lon, lat)], crs="EPSG:4326").to_crs(epsg)[0]
    frame["geometry"] = frame.geometry.translate(target.x - middle.x, target.y - middle.y)
    return frame.set_crs(epsg, allow_override=True)


def _moved_blackpool(tmp: Path) -> tuple[Path, str]:
    """Blackpool moved 6 km east, and the refusal every command gives: validate's findings in validate's words
    (units by name, then code), the areas and where."""
    layer = write(_moved(small(), "E06000009", 6000), tmp / "lad21-moved.gpkg")
    return layer, (esc(layer) + r": reference layer lad21-moved: its units overlap or leave gaps wider than 50 m: "
                   r"Blackpool \(E06000009\) overlaps Fylde \(E07000119\) by 30\.580 km² at [\d,]+ E [\d,]+ N "
                   r"\(EPSG:27700; 53\.\d+° N 2\.\d+° W\); Blackpool \(E06000009\) overlaps Wyre \(E07000128\) by "
                   r"3\.637 km².*or pass --allow-overlaps\)$")


@case("compare")
def compare_against_overlapping_layer(tmp: Path) -> Case:
    """Blackpool moved 6 km east: the refusal gives validate's finding, with the names, the area and where."""
    layer, message = _moved_blackpool(tmp)
    return compare(tmp, option_on(tmp, "lad21"), message, against=str(layer))


@case("report")
def report_against_overlapping_layer(tmp: Path) -> Case:
    """The same refusal from `report` (nothing written), which has --allow-overlaps too."""
    layer, message = _moved_blackpool(tmp)
    made = report_case(tmp, message)
    made.argv[made.argv.index("--against") + 1] = str(layer)
    return made


@case("map")
def map_highlight_splits_of_overlapping_layer(tmp: Path) -> Case:
    """The same refusal from `map --highlight-splits` (no map written), which has --allow-overlaps too."""
    layer, message = _moved_blackpool(tmp)
    return map_case(tmp, message, "--highlight-splits", str(layer), "--out", str(tmp / "map.png"))


@case("compare")
def compare_against_layer_in_slovenia(tmp: Path) -> Case:
    layer = write(_elsewhere(3794, 46.05, 14.5), tmp / "slovenia.gpkg")
    return compare(tmp, option_on(tmp, "lad21"), esc(layer) + r": the data lie outside Great Britain \(CRS "
                   r"EPSG:3794; centre at 46\.\d\d° N 14\.\d\d° E\)", against=str(layer))


@case("compare")
def compare_against_layer_in_australia(tmp: Path) -> Case:
    layer = write(_elsewhere(28356, -33.9, 151.2).to_crs("EPSG:4326"), tmp / "australia.geojson")  # MGA 56
    return compare(tmp, option_on(tmp, "lad21"), esc(layer) + r": the data lie outside Great Britain \(CRS "
                   r"EPSG:4326; centre at 33\.\d\d° S 151\.\d\d° E\)", against=str(layer))


@case("validate")
def validate_layer_in_slovenia(tmp: Path) -> Case:
    path = write(_elsewhere(3794, 46.05, 14.5), tmp / "slovenia.gpkg")
    return Case(["validate", str(path), "--format", "github"], 1,
                r"title=placegeo crs-implausible::the data lie outside Great Britain", stream="stdout")


# ---------------------------------------------------------------------------------------------------------- snap

def snap_case(tmp: Path, message: str, *more: str, out: str = "snapped.yaml") -> Case:
    return Case(["snap", str(option_on(tmp, "lad21")), "--out", str(tmp / out), *more], 2, message, command="snap")


@case("output")
def snap_out_exists_without_force(tmp: Path) -> Case:
    (tmp / "snapped.yaml").write_text("name: kept\n", encoding="utf-8")
    return snap_case(tmp, r"snapped\.yaml: already exists \(use --force to replace\)")


@case("snap")
def snap_out_not_yaml(tmp: Path) -> Case:
    return snap_case(tmp, r"--out .*snapped\.gpkg should end in \.yaml", out="snapped.gpkg")


@case("snap")
def snap_to_a_point_layer(tmp: Path) -> Case:
    return snap_case(tmp, r"cannot snap to practices: .*point", "--to", "practices")


@case("snap")
def snap_to_an_unknown_layer(tmp: Path) -> Case:
    return snap_case(tmp, r"lsoa12", "--to", "lsoa12")


@case("snap")
def snap_a_sketch_outside_great_britain(tmp: Path) -> Case:
    frame = _elsewhere(28356, -33.9, 151.2).to_crs("EPSG:4326").rename(columns={"LAD21NM": "place"})
    sketch = write(frame, tmp / "sketch.gpkg")
    return Case(["snap", str(sketch), "--out", str(tmp / "snapped.yaml")], 2,
                esc(sketch) + r": the data lie outside Great Britain", command="snap")
