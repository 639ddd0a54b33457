"""A big reference layer built reproducibly from bundled data: England's LSOA 2021 polygons cut into pieces.

Each LSOA (data/boundaries/england/lsoa21.parquet, 33,755 of them) is cut by one national grid of
:data:`CELL` metre squares; then, to reach exactly ``size`` features (200,000 by default), the surplus
pieces of the LSOAs cut most are joined back into multi-part features of their LSOA. Every piece lies inside
one LSOA, and two neighbouring LSOAs are cut by the same grid lines, so the new vertices on their shared
edges are the same bit for bit: the pieces are an exact coverage of England, as the LSOAs are, with unique
codes (``PIECECD``) and names (``PIECENM``), and the parent LSOA's code in ``lsoa`` (the pieces of one LSOA
add up to it). Rural LSOAs are cut into many pieces, small urban ones stay whole (about 6 per LSOA on average).

Smaller variants (``--lsoa-share``) keep the pieces of every k-th LSOA only, spread over the whole country,
so that a layer with a quarter of the features meets a quarter of every footprint.

    python bench/big_layer.py OUT_DIR [--size 200000] [--lsoa-share 1 2 4 8]

The files are big (about 90 MB for 200,000 pieces): build them in a temporary folder, never in the repository.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
LSOA = ROOT / "data" / "boundaries" / "england" / "lsoa21.parquet"
SIZE = 200_000
CELL = 1200.0
"""Side of the national grid's squares, metres (about 205,000 pieces over England's LSOAs)."""


def _grid_pieces(geoms: np.ndarray, cell: float) -> tuple[np.ndarray, np.ndarray]:
    """Every polygon intersected with each square of the national ``cell`` grid its box meets, pieces with
    some area only: (pieces, position of the polygon each was cut from), in polygon order."""
    import shapely

    b = shapely.bounds(geoms)
    x0, x1 = np.floor(b[:, 0] / cell).astype(np.int64), np.ceil(b[:, 2] / cell).astype(np.int64)
    y0, y1 = np.floor(b[:, 1] / cell).astype(np.int64), np.ceil(b[:, 3] / cell).astype(np.int64)
    count = (x1 - x0) * (y1 - y0)
    owner = np.repeat(np.arange(len(geoms)), count)
    k = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    width = (x1 - x0)[owner]
    cx, cy = x0[owner] + k % width, y0[owner] + k // width
    pieces = _polygonal(shapely.intersection(geoms[owner], shapely.box(cx * cell, cy * cell, (cx + 1) * cell,
                                                                       (cy + 1) * cell)))
    keep = shapely.area(pieces) > 0
    return pieces[keep], owner[keep]


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """The polygonal parts of clip results (a clip can leave a touching line or point beside its polygons)."""
    import shapely

    geoms = geoms.copy()
    for k in np.flatnonzero(shapely.get_type_id(geoms) == 7):
        parts = [p for p in shapely.get_parts(geoms[k]) if shapely.get_type_id(p) in (3, 6)]
        geoms[k] = shapely.multipolygons(parts) if parts else shapely.Polygon()
    return geoms


def _join_surplus(pieces: np.ndarray, owner: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Join pieces of the most cut LSOAs (coverage union: no new vertex) until ``size`` are left."""
    import shapely

    surplus = len(pieces) - size
    if surplus <= 0:
        return pieces, owner
    first = np.searchsorted(owner, np.arange(owner.max() + 1))
    count = np.bincount(owner, minlength=owner.max() + 1)
    drop = np.zeros(len(pieces), dtype=bool)
    for parent in np.argsort(-count, kind="stable"):
        if surplus <= 0:
            break
        joined = min(int(count[parent]) - 1, surplus)  # pieces folded into the parent's first piece
        at = first[parent]
        pieces[at] = shapely.coverage_union_all(pieces[at:at + joined + 1])
        drop[at + 1:at + joined + 1] = True
        surplus -= joined
    return pieces[~drop], owner[~drop]


def split_lsoas(frame, size: int | None = SIZE, cell: float = CELL):
    """LSOAs (a GeoDataFrame in EPSG:27700 with LSOA21CD and LSOA21NM) cut by the national ``cell`` grid into
    pieces nested in them, surplus pieces joined back until there are ``size`` (None: every grid piece).
    Returns a GeoDataFrame with PIECECD, PIECENM, lsoa and geometry, in LSOA order."""
    import geopandas as gpd

    geoms = np.asarray(frame.geometry.values, dtype=object)
    pieces, owner = _grid_pieces(geoms, cell)
    if size is not None:
        if len(pieces) < size:
            raise ValueError(f"a {cell:g} m grid gives {len(pieces)} pieces, fewer than {size}: use a smaller cell")
        pieces, owner = _join_surplus(pieces, owner, size)
    rank = np.arange(len(owner)) - np.searchsorted(owner, owner)  # piece number within its LSOA
    codes = np.asarray(frame["LSOA21CD"], dtype=object)[owner]
    names = np.asarray(frame["LSOA21NM"], dtype=object)[owner]
    return gpd.GeoDataFrame({"PIECECD": [f"P{n:07d}" for n in range(len(pieces))],
                             "PIECENM": [f"{name} piece {r + 1}" for name, r in zip(names, rank, strict=True)],
                             "lsoa": codes}, geometry=pieces, crs=27700)


def england_lsoas():
    """The bundled England LSOA 2021 polygons (EPSG:27700), in file order."""
    import geopandas as gpd

    frame = gpd.read_parquet(LSOA)
    return frame if frame.crs.to_epsg() == 27700 else frame.to_crs(27700)


def build(out_dir: Path, size: int = SIZE, shares: tuple[int, ...] = (1,)) -> dict[int, Path]:
    """Write the split layer (``size`` pieces) and its variants keeping the pieces of one LSOA in ``share``
    (1, 2, 4, 8: all, every 2nd, 4th, 8th LSOA) as GeoPackages in ``out_dir`` (kept when already there);
    returns share -> path."""
    import pyogrio

    out_dir = Path(out_dir)
    named = {share: out_dir / f"lsoa-pieces-{size}-1in{share}.gpkg" for share in shares}
    if all(path.exists() for path in named.values()):
        return named
    lsoas = england_lsoas()
    pieces = split_lsoas(lsoas, size)
    position = {code: n for n, code in enumerate(lsoas["LSOA21CD"])}
    parent = pieces["lsoa"].map(position).to_numpy()
    for share, path in named.items():
        if not path.exists():
            part = pieces[parent % share == 0].reset_index(drop=True)
            tmp = path.with_name(path.stem + ".part.gpkg")
            pyogrio.write_dataframe(part, tmp, layer="pieces", driver="GPKG")
            tmp.replace(path)
    return named


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="folder to write lsoa-pieces-SIZE-1inK.gpkg into")
    parser.add_argument("--size", type=int, default=SIZE, help="pieces in the whole layer (default 200,000)")
    parser.add_argument("--lsoa-share", type=int, nargs="*", default=[1],
                        help="variants: keep the pieces of every k-th LSOA (1 = all; e.g. 1 2 4 8)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for share, path in build(args.out, args.size, tuple(args.lsoa_share)).items():
        print(f"1 LSOA in {share}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
