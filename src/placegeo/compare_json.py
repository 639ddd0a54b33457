"""The documented JSON document of a Comparison (docs/json-schema.md), as plain Python data.

Kept apart from :mod:`placegeo.comparison` so that computing a comparison does not compile its views.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from placegeo.results import Comparison, OptionResult, PlaceSummary


def comparison_dict(comparison: Comparison) -> dict[str, Any]:
    """The documented JSON document as plain Python data."""
    from importlib.metadata import PackageNotFoundError, version

    from placegeo.results import SCHEMA_VERSION

    try:
        ver = version("placegeo")
    except PackageNotFoundError:  # pragma: no cover
        ver = "unknown"
    s = comparison.settings
    return {
        "schema": SCHEMA_VERSION,
        "placegeo": ver,
        "settings": {
            "weights": list(s.weights), "primary_weight": s.primary, "tol": s.tol, "snap_m": s.snap,
            "population_layer": s.population_layer,
            "place_band": asdict(s.place_band), "neighbourhood_band": asdict(s.neighbourhood_band),
        },
        "layers": [{**asdict(layer), "modelled": layer.modelled} for layer in comparison.layers],
        "options": [_option_dict(opt, {layer.id for layer in comparison.layers if layer.modelled})
                    for opt in comparison.options],
    }


def _option_dict(opt: OptionResult, modelled: Collection[str] = ()) -> dict[str, Any]:
    """One option's record; ``modelled``: the ids of modelled or best-fit layers (their figures are flagged)."""
    from placegeo.registry import LAYER_METRICS, OPTION_METRICS, shown_in

    shown = shown_in("json")
    layers = {}
    for layer_id, res in opt.results.items():
        score = {m.key: m.value(res) for m in shown}
        layers[layer_id] = {
            "method": res.method,
            "modelled": layer_id in modelled,  # every figure below is from a modelled or best-fit layer (caveat)
            "coterminosity": {m.weight: m.value(res) for m in LAYER_METRICS
                              if m.key.startswith("coterminosity_") and m.weight in res.coterminosity},
            "units": score["units"],
            "whole_units": score["whole_units"],
            "outside_units": score["outside_units"],
            "split_units": [
                {"code": u.code, "name": u.name, "shares": dict(u.parts), "population": u.inside.get("population"),
                 "area_km2": u.inside.get("area", 0.0) / 1e6, "best_fit": u.best_fit,
                 "moving": {k: (v / 1e6 if k == "area" else v) for k, v in u.moving.items()},
                 "shares_by_weight": u.shares, "people": dict(u.people),
                 "core20": dict(u.core20) if res.core20_measured else None,
                 "core20_moving": u.core20_moving if res.core20_measured else None}
                for u in res.split_units
            ],
            "coterminous_places": score["coterminous_places"],
            "places": [asdict(p) for p in res.places],
            "boundary_match": score["boundary_match"],
            "core20_moving": score["core20_moving"],
            "edge_noise": {"units_only": res.noise.units_only, "units": res.noise.units,
                           "area_m2": score["noise_area_m2"], "population": res.noise.population,
                           "widest_m": score["noise_widest_m"]},
            "edge_match": asdict(res.edge_match) if res.edge_match is not None else None,
            "outside_footprint": [
                {"code": u.code, "name": u.name, "share": dict(u.outside),
                 "population": (u.total.get("population", 0.0) - u.inside.get("population", 0.0))
                 if "population" in u.total else None,
                 "area_km2": (u.total.get("area", 0.0) - u.inside.get("area", 0.0)) / 1e6}
                for u in res.outside_footprint
            ],
        }
    return {
        "name": opt.name,
        "description": opt.description,
        "source": opt.source,
        "footprint": {m.key: m.value(opt) for m in shown_in("json", metrics=OPTION_METRICS)},
        "blocks": opt.blocks_layer,
        "modelled": opt.modelled,  # places built from a modelled or best-fit layer: every figure is an estimate
        "unassigned": list(opt.unassigned),
        "unassigned_names": list(opt.unassigned_names),
        "places": [_place_dict(p) for p in opt.places],
        "layers": layers,
    }


def _place_dict(p: PlaceSummary) -> dict[str, Any]:
    from placegeo.registry import PLACE_METRICS, shown_in

    out = {"name": p.name, "population": p.population, "area_km2": p.area_km2, "units": list(p.units),
           "band": p.band, "neighbourhood": p.neighbourhood,
           "profile": None if p.profile is None else {
               **{m.key: m.value(p) for m in shown_in("json", metrics=PLACE_METRICS)},
               "imd_source": p.profile.imd_source, "population_source": p.profile.population_source,
               "registered_source": p.profile.registered_source}}
    if p.subunits:
        out["subunits"] = [_place_dict(s) for s in p.subunits]
    return out


def clean(value: Any) -> Any:
    """JSON-safe: NaN/inf -> None, numpy scalars -> Python."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
