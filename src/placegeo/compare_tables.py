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

    from placegeo.registry import OPTION_METRICS, PLACE_METRICS, shown_in

    weights = comparison.settings.weights
    option_metrics = shown_in("csv", metrics=OPTION_METRICS)
    layer_metrics = shown_in("csv", weights)
    place_metrics = shown_in("csv", metrics=PLACE_METRICS)
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
                        **({"people": u.people.get(place, 0.0)} if "population" in weights else {}),
                        **({"core20": u.core20.get(place, 0.0)} if res.core20_measured else {}),
                    })
            summary = {p.name: p for p in opt.places}
            for pf in res.places:
                place = summary.get(pf.name)
                profile = place.profile if place is not None else None
                places.append({"option": opt.name, "layer": layer_id, "place": pf.name,
                               **{f"exactness_{w}": pf.exactness.get(w) for w in weights},
                               "coterminous": pf.coterminous, "boundary_match": pf.boundary_match,
                               "best_fit_units": " ".join(pf.best_fit_units),
                               **({m.key: m.value(place) for m in place_metrics} if profile is not None else {}),
                               **({"imd_source": profile.imd_source, "population_source": profile.population_source,
                                   "registered_source": profile.registered_source}
                                  if profile is not None else {})})
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
