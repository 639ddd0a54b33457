"""Benchmark: placegeo's overlap engine against a geopandas.overlay + groupby baseline, on the same data
in one run. Prints both times, their ratio and the largest relative difference per pair.

    python bench/run.py [--sources ../shared/data/sources] [--repeat 1] [--quick]

Cases (targets from issue 3: >= 5x on geometric cases, >= 100x with exact membership, and `compare` of
the two bundled options in under 3x the time it takes to load the layers it reads):

1. England share matrix: LSOA 2021 (33,755) x published generalised LAD 2021, and x ICB 2022
2. full-resolution Pennine CCGs x LSOAs (../shared/data/sources/pennine-fullres-bwd, when present)
3. an LSOA-built option (the five partnerships, from CCGs) against LSOA-built districts: membership vs overlay
4. `compare` of the two bundled options against lad21 ccg21 ctyua21, end to end, vs loading its layers
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT.parent / "shared" / "data" / "sources"


def timed(func, repeat: int = 1):
    """(best wall time over ``repeat`` runs, last result)."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def largest_difference(engine: dict, baseline: dict) -> tuple[float, int]:
    """Largest |engine - baseline| / baseline over pairs with positive area, and pairs found by one only."""
    keys = {k for k, v in baseline.items() if v > 0} | {k for k, v in engine.items() if v > 0}
    worst, missing = 0.0, 0
    for key in keys:
        a, b = engine.get(key, 0.0), baseline.get(key, 0.0)
        if a <= 0 or b <= 0:
            missing += 1
            continue
        worst = max(worst, abs(a - b) / b)
    return worst, missing


def report(name: str, t_engine: float, t_base: float, diff: float, missing: int, target: float) -> dict:
    ratio = t_base / t_engine if t_engine > 0 else float("inf")
    ok = "ok" if ratio >= target else "BELOW TARGET"
    print(f"{name:<58} engine {t_engine:8.3f} s  baseline {t_base:8.3f} s  ratio {ratio:7.1f}x "
          f"(target {target:g}x, {ok})  max rel diff {diff:.1e}  pairs in one only {missing}", flush=True)
    return {"case": name, "engine_s": t_engine, "baseline_s": t_base, "ratio": ratio, "max_rel_diff": diff}


def geometric_case(name, left, lcode, right, rcode, repeat, target=5.0):
    import numpy as np

    from placegeo.overlap import intersection_areas, overlay_areas

    left = left.rename(columns={lcode: "L"})[["L", "geometry"]].reset_index(drop=True)
    right = right.rename(columns={rcode: "R"})[["R", "geometry"]].reset_index(drop=True)

    def engine():
        pairs = intersection_areas(left.geometry.values, right.geometry.values)
        lc, rc = left["L"].to_numpy(), right["R"].to_numpy()
        return dict(zip(zip(lc[pairs.left], rc[pairs.right], strict=True), pairs.area.tolist(), strict=True))

    def baseline():
        return overlay_areas(left, right, "L", "R").to_dict()

    t_e, got = timed(engine, repeat)
    t_b, base = timed(baseline, 1)
    diff, missing = largest_difference(got, base)
    del np
    return report(name, t_e, t_b, diff, missing, target)


def membership_case(repeat):
    """Five partnerships (CCG-built) x districts: exact membership sums vs overlay (+ areal weighting)."""
    import geopandas as gpd

    from placegeo.layers import load_layer
    from placegeo.membership import unit_members
    from placegeo.options import load_option
    from placegeo.overlap import membership_matrix, overlay_areas
    from placegeo.population import atom_weights

    option = load_option(ROOT / "data" / "options" / "lsc-five-partnerships-2019.yaml")
    members = option.members()
    units = unit_members("lad21")
    lsoa = load_layer("lsoa11")
    weights = atom_weights(lsoa)
    lads = load_layer("lad21")
    left = lads.frame.rename(columns={lads.code: "L"})[["L", "geometry"]]
    right = gpd.GeoDataFrame({"R": option.frame["place"]}, geometry=option.frame.geometry.values, crs=27700)
    atoms = lsoa.frame.rename(columns={lsoa.code: "A"})[["A", lsoa.population, "geometry"]]
    atoms = atoms.assign(atom_area=atoms.geometry.area)

    def engine(keys):
        codes, places, m = membership_matrix(units, members, {k: weights[k] for k in keys})
        return {(codes[i], places[j]): m[keys[0]][i, j] for i in range(len(codes)) for j in range(len(places))
                if m[keys[0]][i, j] > 0}

    def baseline_area():
        return overlay_areas(left, right, "L", "R").to_dict()

    def baseline_population():
        pieces = gpd.overlay(left, right, how="intersection", keep_geom_type=True)
        parts = gpd.overlay(pieces, atoms, how="intersection", keep_geom_type=True)
        parts["people"] = parts[lsoa.population] * parts.geometry.area / parts["atom_area"]
        return parts.groupby(["L", "R"])["people"].sum().to_dict()

    results = []
    t_e, got = timed(lambda: engine(["area_m2"]), max(repeat, 5))
    t_b, base = timed(baseline_area, 1)
    base = {k: v for k, v in base.items() if v > 1.0}  # overlay also finds float slivers between identical edges
    diff, missing = largest_difference(got, base)
    results.append(report("LSOA-built option x LSOA-built districts, area (membership)", t_e, t_b, diff,
                          missing, 100.0))
    t_e, got = timed(lambda: engine(["population", "area_m2"]), max(repeat, 5))
    t_b, base = timed(baseline_population, 1)
    base = {k: v for k, v in base.items() if v > 0.5}
    diff, missing = largest_difference(got, base)
    results.append(report("  ... area + population (membership vs overlay x LSOAs)", t_e, t_b, diff, missing,
                          100.0))
    return results


COMPARE_SNIPPET = """
import time, geopandas, shapely, pandas, pyogrio, yaml, rich  # heavy imports before the clock starts
start = time.perf_counter()
{body}
print(time.perf_counter() - start)
"""

LOAD_BODY = """
from placegeo.layers import load_layer
for layer_id in ("lsoa11", "lad21", "ccg21", "ctyua21"):
    load_layer(layer_id)
"""

COMPARE_BODY = """
from placegeo.compare import compare
compare(["data/options/lsc-five-partnerships-2019.yaml", "data/options/lsc-four-places-2022.yaml"],
        ["lad21", "ccg21", "ctyua21"])
"""


def fresh_process_time(body: str, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", COMPARE_SNIPPET.format(body=body)], cwd=ROOT, check=True,
                             capture_output=True, text=True)
        best = min(best, float(out.stdout.strip().splitlines()[-1]))
    return best


def compare_case(repeat):
    t_load = fresh_process_time(LOAD_BODY, max(repeat, 3))
    t_compare = fresh_process_time(COMPARE_BODY, max(repeat, 3))
    ratio = t_compare / t_load
    ok = "ok" if ratio < 3 else "ABOVE TARGET"
    print(f"{'compare (2 bundled options x lad21 ccg21 ctyua21), end to end':<58} compare {t_compare:6.3f} s  "
          f"load layers {t_load:6.3f} s  compare/load {ratio:5.2f}x (target < 3x, {ok})", flush=True)
    return {"case": "compare", "compare_s": t_compare, "load_s": t_load, "ratio": ratio}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", type=Path, default=SOURCES, help="../shared/data/sources")
    parser.add_argument("--repeat", type=int, default=1, help="engine runs per case (best is reported)")
    parser.add_argument("--quick", action="store_true", help="every 4th LSOA only (a smoke run)")
    args = parser.parse_args(argv)

    import geopandas as gpd

    from placegeo.catalogue import get_entry
    from placegeo.overlap import workers

    def read(layer_id):
        entry = get_entry(layer_id)
        return gpd.read_file(entry.path, layer=entry.layer).to_crs(27700), entry.code

    print(f"placegeo bench: {os.cpu_count()} cores, {workers()} worker threads (PLACEGEO_WORKERS)", flush=True)
    lsoa, lsoa_code = read("england/lsoa21")
    if args.quick:
        lsoa = lsoa.iloc[::4]
    for layer_id in ("england/lad21", "england/icb22"):
        large, code = read(layer_id)
        geometric_case(f"England LSOA21 ({len(lsoa):,}) x {layer_id} ({len(large)})", lsoa, lsoa_code, large,
                       code, args.repeat)
    pennine = args.sources / "pennine-fullres-bwd"
    if pennine.exists():
        ccgs = gpd.read_file(pennine / "CCGs.geojson").to_crs(27700)
        lsoas = gpd.read_file(pennine / "lsoa.geojson").to_crs(27700)
        geometric_case(f"full-resolution Pennine CCGs ({len(ccgs)}) x LSOAs ({len(lsoas)})", ccgs, "ccg18cd",
                       lsoas, "lsoa11cd", max(args.repeat, 3))
        lsc, lsc_code = read("lsoa11")
        geometric_case(f"full-resolution Pennine CCGs ({len(ccgs)}) x L&SC LSOA11 ({len(lsc)})", ccgs,
                       "ccg18cd", lsc, lsc_code, max(args.repeat, 3))
    else:
        print(f"(skipping full-resolution Pennine CCGs: {pennine} not found)")
    membership_case(args.repeat)
    compare_case(args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
