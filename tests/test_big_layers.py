"""Big reference layers (issue 18 point 7): a big file is read only around the options, with the same figures
as a whole read and as the exact LSOA-membership answer; one needing more memory than allowed is refused with
what it would need.

The layer is bench/big_layer.py's: LSOA 2021 polygons cut by a national 1,200 m grid (pieces nested in their
LSOA), here Cheshire and Merseyside's 1,601 LSOAs, plus whole LSOAs of the far south-west that a comparison of
Cheshire and Merseyside must not read.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
OPTION = ROOT / "docs" / "examples" / "cheshire-merseyside" / "councils-2024.yaml"
FAR_NORTHING = 100_000  # LSOAs wholly south of this (Cornwall, Scilly): 400 km from Merseyside


def _big_layer():
    spec = importlib.util.spec_from_file_location("big_layer", ROOT / "bench" / "big_layer.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def option():
    from placegeo.options import load_option

    return load_option(OPTION)


@pytest.fixture(scope="module")
def lsoas():
    return _big_layer().england_lsoas()


@pytest.fixture(scope="module")
def pieces_file(tmp_path_factory, option, lsoas):
    """(path, the pieces of C&M's LSOAs, the far LSOAs): one GeoPackage holding both."""
    import geopandas as gpd
    import pandas as pd

    members = set().union(*option.members().values())
    pieces = _big_layer().split_lsoas(lsoas[lsoas.LSOA21CD.isin(members)].reset_index(drop=True), None)
    far = lsoas[lsoas.geometry.bounds.maxy < FAR_NORTHING].reset_index(drop=True)
    whole = gpd.GeoDataFrame({"PIECECD": [f"F{n:07d}" for n in range(len(far))],
                              "PIECENM": far.LSOA21NM + " whole", "lsoa": far.LSOA21CD},
                             geometry=far.geometry.values, crs=27700)
    frame = gpd.GeoDataFrame(pd.concat([pieces, whole], ignore_index=True), crs=27700)
    path = tmp_path_factory.mktemp("big") / "pieces.gpkg"
    frame.to_file(path, layer="pieces", driver="GPKG", engine="pyogrio")
    return path, pieces, far


def test_pieces_tile_their_lsoas(pieces_file, lsoas):
    """The layer the bench builds: every LSOA's pieces add up to it (grid cuts, no sliver lost or doubled)."""
    _, pieces, _ = pieces_file
    whole = lsoas.set_index("LSOA21CD").geometry.area
    summed = pieces.geometry.area.groupby(pieces["lsoa"]).sum()
    assert len(summed) == 1601 and len(pieces) > 2 * len(summed)
    assert np.allclose(summed.to_numpy(), whole[summed.index].to_numpy(), rtol=1e-9, atol=0)
    assert pieces.PIECECD.is_unique and pieces.PIECENM.is_unique


def test_big_file_is_read_near_the_options_only(pieces_file, option, monkeypatch):
    """Above BIG_LAYER features, only the features whose boxes meet the options' (grown) box are read: every
    piece of C&M, none of the far LSOAs; the count known before reading is the count read."""
    import shapely

    from placegeo import layers
    from placegeo.api import load_reference, options_box

    path, pieces, far = pieces_file
    monkeypatch.setattr(layers, "BIG_LAYER", 1000)
    near = options_box([option])
    layer = load_reference(str(path), near)
    codes = set(layer.codes)
    assert set(pieces.PIECECD) <= codes
    assert not codes & {f"F{n:07d}" for n in range(len(far))}
    size = layers.file_size(path, near=near)
    assert size.total == len(pieces) + len(far) and size.features == len(layer.frame)
    assert shapely.intersects(np.asarray(layer.frame.geometry.values), shapely.box(*near)).all()


def test_near_read_gives_the_membership_answer(pieces_file, option, monkeypatch):
    """Compared against the pieces read near the options, each LSOA's pieces hold, summed, exactly the area
    the LSOA-membership answer gives (area of the LSOA in its council's place, nothing elsewhere); and the
    comparison is the one a whole read gives."""
    from placegeo import layers
    from placegeo.api import compare, load_reference, options_box
    from placegeo.layers import bundled_layer
    from placegeo.weighing import weigh

    path, pieces, _ = pieces_file
    monkeypatch.setattr(layers, "BIG_LAYER", 1000)
    layer = load_reference(str(path), options_box([option]))
    matrix = weigh(layer, option, ("area",), None)
    parent = layer.frame.set_index(layer.code)["lsoa"]
    m = matrix.values["area"]
    per_lsoa = {}
    for i, unit in enumerate(matrix.units):
        per_lsoa.setdefault(parent[unit], np.zeros(len(matrix.places)))
        per_lsoa[parent[unit]] += m[i]
    atoms = bundled_layer("england/lsoa21")
    area = dict(zip(atoms.codes, atoms.frame.geometry.area, strict=True))
    expected = {code: np.where([code in option.members()[p] for p in matrix.places], area[code], 0.0)
                for code in set().union(*option.members().values())}
    assert set(per_lsoa) == set(expected)
    got = np.asarray([per_lsoa[c] for c in sorted(expected)])
    want = np.asarray([expected[c] for c in sorted(expected)])
    assert np.abs(got - want).max() <= 1e-9 * want.max()
    near = json.loads(compare([option], [str(path)], weight="area", boundary=False).to_json())
    monkeypatch.setattr(layers, "BIG_LAYER", 10**9)
    whole = json.loads(compare([option], [str(path)], weight="area", boundary=False).to_json())
    assert _same(near, whole)


def _same(a, b) -> bool:
    """Equal JSON documents, numbers to 1e-9 (the engine's batches differ with the features read, and so the
    order floating-point sums are taken in)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) or isinstance(b, float):
        return bool(np.isclose(a, b, rtol=1e-9, atol=1e-6))
    return bool(a == b)


def test_refusal_says_what_the_file_would_need(pieces_file, option, monkeypatch):
    """A file needing more memory than allowed is refused before it is read, with the features it would read,
    their share of the file and the memory that takes (MEMORY_BASE + per feature + per byte of file)."""
    from placegeo import layers
    from placegeo.api import compare
    from placegeo.errors import LayerError

    path, pieces, far = pieces_file
    total = len(pieces) + len(far)
    need = layers.MEMORY_BASE + layers.MEMORY_PER_FEATURE * total + layers.MEMORY_PER_FILE_BYTE * path.stat().st_size
    with layers.reading(max_memory=need - 1), pytest.raises(LayerError) as refused:
        compare([option], [str(path)], weight="area")
    assert str(refused.value) == (
        f"{path}: {total:,} features ({path.stat().st_size / 1e6:,.1f} MB of file) would need about "
        f"{need / 1e9:.1f} GB of memory, more than the {(need - 1) / 1e9:.1f} GB allowed by --max-memory "
        "(clip the file to the options' area, or pass --max-memory GB to allow more)")
    with layers.reading(max_memory=need):
        compare([option], [str(path)], weight="area", boundary=False)
    monkeypatch.setattr(layers, "available_memory", lambda: need / 2)
    compare([option], [str(path)], weight="area", boundary=False)  # a small file: never refused by default
    monkeypatch.setattr(layers, "BIG_LAYER", 1000)
    with pytest.raises(LayerError, match=r"more than the [0-9.]+ GB available \(clip the file"):
        compare([option], [str(path)], weight="area")


def test_big_layer_overlapping_inside_the_footprint_is_refused(pieces_file, option, tmp_path, monkeypatch):
    """A big layer's overlap share is not measured over the whole layer; one whose units overlap inside the
    footprint (here every 10th piece given twice) is still refused, naming the overlaps (main's reference
    check, made inside the options' footprint)."""
    import geopandas as gpd
    import pandas as pd

    from placegeo import layers
    from placegeo.api import compare
    from placegeo.errors import UsageError

    path, pieces, _ = pieces_file
    twice = pieces.iloc[::10].assign(PIECECD=lambda f: "D" + f.PIECECD, PIECENM=lambda f: f.PIECENM + " again")
    frame = gpd.GeoDataFrame(pd.concat([gpd.read_file(path), twice], ignore_index=True), crs=27700)
    doubled = frame.to_file(tmp_path / "doubled.gpkg", driver="GPKG", engine="pyogrio") or tmp_path / "doubled.gpkg"
    monkeypatch.setattr(layers, "BIG_LAYER", 1000)
    refused = (r"reference layer doubled: its units overlap or leave gaps wider than 50 m: "
               r"[^;(]* \((P\d{7})\) overlaps [^;(]* again \(D\1\) by .*; and \d+ more")
    with pytest.raises(UsageError, match=refused):
        compare([option], [str(doubled)], weight="area", boundary=False)


def test_units_inside_the_places_hold_the_people_of_their_pieces(pieces_file, option, monkeypatch):
    """The population of a unit lying inside the places is the sum over its pieces (no second areal weighting):
    the same figure as weighing the whole unit against the LSOAs (population_of), to 1e-9."""
    from placegeo import layers
    from placegeo.api import load_reference, options_box
    from placegeo.population import population_layer, population_of
    from placegeo.weighing import weigh

    path, _, _ = pieces_file
    monkeypatch.setattr(layers, "BIG_LAYER", 1000)
    layer = load_reference(str(path), options_box([option]))
    pop = population_layer("england/lsoa21")
    matrix = weigh(layer, option, ("area", "population"), pop)
    inside = matrix.values["area"].sum(axis=1) >= matrix.totals["area"] * (1 - 1e-9)
    assert inside.mean() > 0.95  # nearly every piece: the pieces of C&M's LSOAs lie in its councils
    rows = np.flatnonzero(inside)
    position = {code: n for n, code in enumerate(layer.codes)}
    whole = population_of(np.asarray(layer.frame.geometry.values)[[position[matrix.units[i]] for i in rows]], pop)
    assert np.allclose(matrix.totals["population"][rows], whole, rtol=1e-9, atol=1e-9)
    assert np.allclose(matrix.totals["population"][rows], matrix.values["population"][rows].sum(axis=1), rtol=0,
                       atol=0)
