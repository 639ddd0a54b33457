"""CSV views of a Comparison: scorecard, splits, places and the long overlap table."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from placegeo.results import Comparison


def tables(comparison: Comparison) -> dict[str, pd.DataFrame]:
    """``scorecard`` (one row per option, columns per reference layer), ``splits`` (one row per split
    unit and place), ``places`` (sizes and fits) and ``overlap`` (M in long format)."""
    import pandas as pd

    from placegeo.registry import OPTION_METRICS, shown_in

    weights = comparison.settings.weights
    option_metrics = shown_in("csv", metrics=OPTION_METRICS)
    layer_metrics = shown_in("csv", weights)
    score, splits, places, overlap = [], [], [], []
    for opt in comparison.options:
        row = {"option": opt.name, **{m.key: m.value(opt) for m in option_metrics}}
        for layer_id, res in opt.results.items():
            row.update({f"{layer_id}:{m.key}": m.value(res) for m in layer_metrics})
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
