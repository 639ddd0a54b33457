"""Writing a Comparison to a directory: CSV tables, the JSON document and places as GeoPackage.

Everything is written into a staging directory and moved into place together
(:func:`placegeo.io.atomic_directory`): a failure half-way leaves the target as it was.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from placegeo.io import refuse_overwrite, safe_filename

if TYPE_CHECKING:
    from placegeo.results import Comparison

TABLES = ("scorecard", "splits", "places", "overlap")


def gpkg_names(option_names: list[str]) -> list[str]:
    """``places-<option>.gpkg`` per option; a name that comes out the same as an earlier one gets ``-2``..."""
    out: list[str] = []
    for name in option_names:
        stem = f"places-{safe_filename(name)}"
        candidate, k = stem, 2
        while f"{candidate}.gpkg" in out:
            candidate, k = f"{stem}-{k}", k + 1
        out.append(f"{candidate}.gpkg")
    return out


def output_names(option_names: list[str]) -> list[str]:
    """Every file `compare --out` writes, for the overwrite check before any work."""
    return [f"{t}.csv" for t in TABLES] + ["comparison.json"] + gpkg_names(option_names)


def check_outputs(directory: Path, force: bool) -> None:
    """Refuse early when fixed-name outputs exist (option GeoPackages are checked once names are known)."""
    refuse_overwrite([Path(directory) / n for n in output_names([])], force)


def write_outputs(comparison: Comparison, directory: str | Path, *, force: bool = False,
                  geopackages: bool = True) -> list[Path]:
    """Write scorecard.csv, splits.csv, places.csv, overlap.csv, comparison.json, places-<option>.gpkg (the
    GeoPackages left out with ``geopackages=False``: the report, which does not ship them)."""
    from placegeo.io import atomic_directory, write_csv
    from placegeo.results import option_frames

    option_names = [o.name for o in comparison.options]
    names = output_names(option_names if geopackages else [])
    tables = comparison.tables()
    frames = option_frames(comparison) if geopackages else {}
    with atomic_directory(directory, names, force=force) as staging:
        for name in TABLES:
            write_csv(tables[name], staging / f"{name}.csv")
        (staging / "comparison.json").write_text(comparison.to_json(), encoding="utf-8")
        for file_name, option_name in zip(gpkg_names(option_names), option_names, strict=True) if geopackages else ():
            frames[option_name].to_file(staging / file_name, layer="places", driver="GPKG")
    return [Path(directory) / n for n in names]
