"""A QGIS-style sketch built from the bundled England layers, for the `placegeo snap` tests.

West Yorkshire (ICB E54000054) drawn as three places by hand, as a planner would in QGIS:

- West: Bradford + Calderdale; Leeds; South: Kirklees + Wakefield (England/lad24 districts, unioned);
- each outline simplified to 150 m, cut into 200 m segments and every vertex moved by a wobble up to
  about 90 m (two sine waves of its position, phases drawn per place from a seeded generator): hand-drawn
  edges that run both sides of the true boundary, inside and outside the ICB, and that neighbouring places
  draw differently (overlaps and gaps between them);
- the places made disjoint in order (a later place loses what an earlier one covers, as QGIS snapping
  would leave them), then written as a GeoPackage in EPSG:4326 with a ``place`` column.

``python tests/sketches.py OUT.gpkg`` writes it for a look in QGIS.
"""

from __future__ import annotations

import sys
from pathlib import Path

SKETCH_PLACES = {
    "West": ["E08000032", "E08000033"],    # Bradford, Calderdale
    "Leeds": ["E08000035"],                # Leeds
    "South": ["E08000034", "E08000036"],   # Kirklees, Wakefield
}
WOBBLE_M = 60.0          # amplitude of each of the two sine waves
SIMPLIFY_M = 150.0
SEGMENT_M = 200.0
SEED = 15


def west_yorkshire_sketch(path: Path, crs: str = "EPSG:4326") -> Path:
    """Write the sketch to ``path`` (GeoPackage, layer ``sketch``) in ``crs``; return ``path``."""
    import geopandas as gpd
    import numpy as np
    import shapely

    from placegeo.layers import bundled_layer

    lad = bundled_layer("england/lad24")
    geoms = dict(zip(lad.codes, lad.frame.geometry.values, strict=True))
    rng = np.random.default_rng(SEED)
    drawn = []
    for codes in SKETCH_PLACES.values():
        outline = shapely.simplify(shapely.union_all([geoms[c] for c in codes]), SIMPLIFY_M)
        outline = shapely.segmentize(outline, SEGMENT_M)
        phase = rng.uniform(0.0, 2 * np.pi, 4)
        wobbly = shapely.transform(outline, lambda xy, p=phase: xy + _wobble(xy, p))
        drawn.append(shapely.make_valid(wobbly).buffer(0))
    taken = shapely.Polygon()
    disjoint = []
    for shape in drawn:
        disjoint.append(shape.difference(taken))
        taken = taken.union(shape)
    frame = gpd.GeoDataFrame({"place": list(SKETCH_PLACES)}, geometry=disjoint, crs="EPSG:27700").to_crs(crs)
    frame["geometry"] = frame.geometry.make_valid()
    frame.to_file(path, layer="sketch", driver="GPKG", engine="pyogrio")
    return path


def _wobble(xy, phase):
    """An offset (metres) for each vertex, a smooth function of where it is: rings stay closed."""
    import numpy as np

    x, y = xy[:, 0], xy[:, 1]
    dx = WOBBLE_M * (np.sin(y / 700.0 + phase[0]) + 0.5 * np.sin(x / 230.0 + phase[1]))
    dy = WOBBLE_M * (np.cos(x / 900.0 + phase[2]) + 0.5 * np.sin(y / 310.0 + phase[3]))
    return np.column_stack([dx, dy])


if __name__ == "__main__":
    print(west_yorkshire_sketch(Path(sys.argv[1])))
