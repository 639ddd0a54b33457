"""Labels on maps of many places: collisions found through a grid (not by testing every placed label), the
legend capped, every place either labelled or listed as omitted, and no two labels overlapping."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from placegeo.render.labels import BoxGrid


def test_the_grid_finds_exactly_the_boxes_brute_force_finds():
    """Against matplotlib's own Bbox.overlaps over every box: same answer for 400 queries, boxes of every size
    (some spanning many cells, some touching only at an edge)."""
    from matplotlib.transforms import Bbox

    rng = np.random.default_rng(17)
    grid, boxes = BoxGrid(cell=48.0), []
    for x, y, w, h in zip(*(rng.uniform(0, 2000, 150), rng.uniform(0, 1400, 150), rng.exponential(60, 150),
                            rng.exponential(20, 150)), strict=True):
        grid.add((x, y, x + w, y + h))
        boxes.append(Bbox.from_extents(x, y, x + w, y + h))
    queries = [(x, y, x + w, y + h) for x, y, w, h in zip(rng.uniform(0, 2000, 400), rng.uniform(0, 1400, 400),
                                                          rng.exponential(50, 400), rng.exponential(15, 400),
                                                          strict=True)]
    queries += [(b.x1, b.y0, b.x1 + 10, b.y1) for b in boxes[:20]]  # touching an edge counts, as in Bbox.overlaps
    for q in queries:
        assert grid.hits(q) == any(Bbox.from_extents(*q).overlaps(b) for b in boxes)


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """An option of 200 places, one per England LSOA: the 200 nearest Preston bus station."""
    import geopandas as gpd

    from placegeo.catalogue import get_entry

    entry = get_entry("england/lsoa21")
    frame = gpd.read_parquet(entry.path, columns=["LSOA21CD", "LSOA21NM", "geometry"])
    points = frame.geometry.representative_point()
    rows = frame.iloc[np.argsort(np.hypot(points.x - 354_100, points.y - 429_400).to_numpy())[:200]]
    path = tmp_path_factory.mktemp("many") / "lsoas.yaml"
    path.write_text(yaml.safe_dump({"name": "Two hundred LSOAs", "blocks": "england/lsoa21", "places": [
        {"name": n, "blocks": [c]} for c, n in zip(rows.LSOA21CD, rows.LSOA21NM, strict=True)]}), encoding="utf-8")
    return path


def test_a_map_of_200_places_labels_each_place_once_or_omits_it(many):
    from matplotlib.text import Text

    from placegeo.tasks import map_options

    fig = map_options([many])
    renderer = fig.canvas.get_renderer()
    ax = next(a for a in fig.axes if a.get_gid() == "map-panel-1")
    labels = [t for t in ax.texts if (t.get_gid() or "").startswith("label-")]
    names = [t.get_text().replace("\n", " ") for t in labels]
    assert len(names) == len(set(names))
    assert 0 < len(labels) < 200  # most of 200 small areas cannot all be named at this scale
    boxes = [Text.get_window_extent(t, renderer) for t in labels]  # the names (a leader line may cross one)
    for i, a in enumerate(boxes):
        assert not any(a.overlaps(b) for b in boxes[i + 1:]), names[i]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert len(legend) == 61 and legend[-1] == "... and 140 more places"
