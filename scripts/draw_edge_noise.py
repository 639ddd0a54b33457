"""Draw docs/img/edge-noise.png: edge noise, a split and edge match on two places (a schematic, no data).

    python scripts/draw_edge_noise.py [--out docs/img/edge-noise.png]

Two places A and B share an edge. A user's unit R1, drawn off by 20 m and with a 10 m spike, puts strips
and a spike into B that lie within --snap (50 m) of B's edge: edge noise, left out. Unit R2 reaches 300 m
into A: a real share, so R2 is split. The pieces are computed with placegeo's own rule
(:func:`placegeo.noise.is_edge_noise`), so the picture shows what compare does.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

SNAP = 50.0


def shapes() -> dict[str, object]:
    """Places A and B (a wavy shared edge at x = 1000 m) and the user's units R1 and R2."""
    import shapely

    y = np.linspace(0, 1200, 25)
    edge = [(1000 + 40 * np.sin(v / 150), v) for v in y]
    a = shapely.Polygon([(0, 0), *edge, (0, 1200)])
    b = shapely.Polygon([*edge, (2000, 1200), (2000, 0)])
    shifted = shapely.affinity.translate(a, 20, 0)  # R1: A drawn 20 m to the east, with a 10 m spike
    x0, y0 = 1000 + 40 * np.sin(900 / 150) + 20, 900
    spike = shapely.Polygon([(x0 - 5, y0 - 30), (x0 + 10, y0), (x0 - 5, y0 + 30)])
    r1 = shapely.difference(shapely.union_all([shifted, spike]), shapely.box(-100, -100, 2100, 350))
    r2 = shapely.box(700, 0, 2000, 350)  # reaches 300 m across the edge into A
    return {"A": a, "B": b, "R1": r1, "R2": r2}


def draw(out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import shapely
    from matplotlib.patches import Patch

    from placegeo.noise import is_edge_noise, shrunk

    g = shapes()
    places = np.asarray([g["A"], g["B"]], dtype=object)
    inner = shrunk(places, SNAP)
    fig, ax = plt.subplots(figsize=(8, 5.2), dpi=110)

    def fill(geom, **kw):
        for part in shapely.get_parts(geom):
            if part.is_empty or part.geom_type != "Polygon":
                continue
            x, y = part.exterior.xy
            ax.fill(x, y, **kw)

    for place, shrunk_place, colour in zip(places, inner, ("#dbe9f6", "#e8f3e0"), strict=True):
        fill(place, color="#bbbbbb", lw=0)  # the band within snap of the place's edge, then the rest on top
        fill(shrunk_place, color=colour, lw=0)
    for home_place, unit in ((0, "R1"), (1, "R2")):
        for p, place in enumerate(places):
            piece = shapely.intersection(g[unit], place)
            for part in shapely.get_parts(piece):
                if part.area <= 0 or part.geom_type != "Polygon":
                    continue
                noisy = bool(is_edge_noise([part], np.array([p]), inner)[0])
                if p == home_place:  # the unit's own place
                    continue
                fill(part, color="#f39c12" if noisy else "#c0392b", alpha=0.9, lw=0)
        x, y = g[unit].exterior.xy if g[unit].geom_type == "Polygon" else max(
            shapely.get_parts(g[unit]), key=lambda q: q.area).exterior.xy
        ax.plot(x, y, color="#222222", lw=1.2, ls="--")
    for name, (x, y) in {"place A": (350, 1000), "place B": (1550, 1000), "R1 (user's unit)": (350, 650),
                         "R2 (user's unit)": (1300, 170)}.items():
        ax.text(x, y, name, fontsize=10, ha="center")
    ax.annotate("20 m strip and 10 m spike in B:\nedge noise, left out", xy=(1030, 800), xytext=(1250, 620),
                fontsize=9, arrowprops={"arrowstyle": "->"})
    ax.annotate("R2 reaches 300 m into A:\na share, R2 is split", xy=(850, 170), xytext=(120, 450),
                fontsize=9, arrowprops={"arrowstyle": "->"})
    ax.legend(handles=[Patch(color="#bbbbbb", label=f"within --snap ({SNAP:g} m) of a place's edge"),
                       Patch(color="#f39c12", label="edge noise (a piece lying wholly in that band)"),
                       Patch(color="#c0392b", label="a share (the piece reaches beyond the band)")],
              loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=1, fontsize=9, frameon=False)
    ax.set_xlim(0, 2000)
    ax.set_ylim(0, 1200)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title("Edge noise and splits: which pieces of a user's unit count", fontsize=11)
    fig.text(0.99, 0.01, "Schematic: no map data", fontsize=7, ha="right", color="#666666")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "docs" / "img" /
                        "edge-noise.png")
    draw(parser.parse_args(argv).out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
