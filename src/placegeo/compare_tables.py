"""CSV views of a Comparison: scorecard, splits, places and the long overlap table."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from placegeo.comparison import Comparison


def tables(comparison: Comparison) -> dict[str, pd.DataFrame]:
    """``scorecard`` (one row per option, columns per reference layer), ``splits`` (one row per split
    unit and place), ``places`` (sizes and fits) and ``overlap`` (M in long format)."""
    import pandas as pd

    weights = comparison.settings.weights
    score, splits, places, overlap = [], [], [], []
    for opt in comparison.options:
        row = {"option": opt.name, "places": len(opt.places),
               "population": opt.footprint.get("population"), "area_km2": opt.footprint["area"] / 1e6}
        for layer_id, res in opt.results.items():
            for w in weights:
                row[f"{layer_id}:coterminosity_{w}"] = res.coterminosity.get(w)
            row[f"{layer_id}:units"] = len(res.units)
            row[f"{layer_id}:split_units"] = len(res.split_units)
            if "population" in weights:
                row[f"{layer_id}:split_population"] = res.split_weight("population")
                row[f"{layer_id}:people_moving"] = sum(u.moving.get("population", 0.0) for u in res.units)
            row[f"{layer_id}:coterminous_places"] = res.coterminous_places
            row[f"{layer_id}:boundary_match"] = res.boundary_match
            for u in res.split_units:
                for place, share in u.parts.items():
                    splits.append({
                        "option": opt.name, "layer": layer_id, "code": u.code, "name": u.name, "place": place,
                        "share": share, "best_fit": u.best_fit,
                        **{f"share_{w}": u.shares.get(w, {}).get(place, 0.0) for w in weights},
                        **{f"{w}_in_footprint": u.inside.get(w) for w in weights},
                        **{f"{w}_moving": u.moving.get(w) for w in weights},
                    })
            for pf in res.places:
                places.append({"option": opt.name, "layer": layer_id, "place": pf.name,
                               **{f"exactness_{w}": pf.exactness.get(w) for w in weights},
                               "coterminous": pf.coterminous, "boundary_match": pf.boundary_match,
                               "best_fit_units": " ".join(pf.best_fit_units)})
            for r in res.overlap:
                overlap.append({"option": opt.name, "layer": layer_id, "unit": r.unit, "place": r.place,
                                "area_m2": r.area_m2, "population": r.population})
        score.append(row)
    return {
        "scorecard": pd.DataFrame(score),
        "splits": pd.DataFrame(splits),
        "places": pd.DataFrame(places),
        "overlap": pd.DataFrame(overlap),
    }
