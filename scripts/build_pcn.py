"""Build the bundled L&SC PCN layers (run after build_boundaries.py; `make data` runs both).

Writes into ``--out`` (data/boundaries):
- ``lsc/pcn.gpkg``: one polygon per L&SC PCN (October 2025 membership), a union of whole lsoa11 LSOAs of the
  ICB footprint: registered patients (April 2020, Pennine Lancashire) where the data exists, the gravity
  nearest-practice model elsewhere.
- ``lsc/lsoa11_pcn.csv``: LSOA11CD -> PCN_CODE for the 1,058 ICB LSOAs (the layer's exact membership) and the rule
  that decided each; ``lsc/lsoa11_pcn_shares.csv``: registered-patient shares per (LSOA, PCN) where known.
- ``lsc/pcn_edec2020.gpkg``: the eDEC 2020 PCN catchment polygons, a comparison layer (they overlap and leave gaps).
- ``catalogue.d/pcn.yaml``: catalogue entries ``pcn`` and ``pcn-edec2020`` with the agreement figures, and the
  held-out agreement of the gravity model (constants chosen on one half of Pennine Lancashire, scored on the other).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

MEMBERSHIP = "pcn-membership-2025-10/gp-reg-pat-prac-map_2025-10_lsc.csv"
LOCATIONS = "practice-pcn-geocoded-2024/practice_pcn_lookup_geocoded_lsc.csv"
LIST_SIZES = "gp-list-size-2022-05/gp-reg-pat-prac-all_2022-05_lsc.csv"
REGISTRATIONS = "gp-reg-lsoa-pennine-2020/lsoapops_2020-04_pennine.csv"
CATCHMENTS = "pcn-boundaries-edec-2020/boundaries_pcn_lsc.geojson"
PINNED_TIMESTAMP = "2000-01-01T00:00:00.000Z"  # GeoPackage timestamp: rebuilds are byte-identical

OGL = "Contains public sector information licensed under the Open Government Licence v3.0."
LICENCE_NHSE = f"{OGL} Source: NHS England."
LICENCE_NHSD = f"{OGL} Source: NHS Digital."
LICENCE_ONSPD = (f"{OGL} Source: NHS England/NHS Digital; Office for National Statistics licensed under the Open "
                 "Government Licence v3.0. Contains OS data © Crown copyright and database right; Contains Royal Mail "
                 "data © Royal Mail copyright and database right.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, default=Path("../shared/data/sources"))
    parser.add_argument("--out", type=Path, default=Path("data/boundaries"))
    args = parser.parse_args(argv)
    os.environ["PLACEGEO_DATA"] = str(args.out.resolve().parent)  # read the lsoa11/icb just built there
    facts = build(args.sources, args.out)
    print(f"pcn: {facts['features']} PCNs; agreement with registrations (population): "
          + ", ".join(f"{k} {v['population_share']:.1%}" for k, v in facts["agreement"].items())
          + f"; held-out nearest-gravity {facts['held_out']:.1%}")
    return 0


def held_out_constants(sources: Path):
    """The gravity model's constants chosen on one half of Pennine Lancashire and scored on the other
    (placegeo.pcn.tune), both ways."""
    from placegeo.pcn import tune

    reference = tune.pennine_reference(sources / REGISTRATIONS, sources / MEMBERSHIP)
    practices = tune.lsc_practices(sources / MEMBERSHIP, sources / LOCATIONS, sources / LIST_SIZES)
    return tune.held_out(reference, practices)


def held_out_caveat(result, where: str) -> str:
    """The sentence every modelled PCN layer carries: the held-out agreement, not the in-sample one."""
    folds = ", ".join(f"{f.test_share:.1%} in {f.test}" for f in result.folds)
    return (f"Modelled footprints{where}: nearest-gravity from practice locations and list sizes, not "
            f"registrations; on held-out Pennine Lancashire registrations they place {result.share:.1%} of people "
            f"in the PCN most of them are registered with ({folds}).")


def build(sources: Path, out: Path) -> dict:
    import shapely

    from placegeo.checks.coverage import coverage_validity
    from placegeo.io import write_geopackage, write_table, write_text
    from placegeo.layers import load_layer
    from placegeo.pcn import build_pcns, read_list_sizes, read_membership, read_practices, read_registrations

    lsoa11 = load_layer("lsoa11")
    icb = load_layer("icb")
    catchments = load_layer(sources / CATCHMENTS)
    built = build_pcns(
        read_membership(sources / MEMBERSHIP), read_practices(sources / LOCATIONS), lsoa11,
        method="registrations", weight="gravity", registrations=read_registrations(sources / REGISTRATIONS),
        catchments=catchments, list_sizes=read_list_sizes(sources / LIST_SIZES), locations_source=str(LOCATIONS),
    )
    frame = built.frame
    lsc = out / "lsc"
    geoms = frame.geometry.to_numpy()
    icb_geom = icb.frame.geometry.iloc[0]
    checks = {
        "coverage_is_valid": coverage_validity(geoms).valid,
        "area_difference_m2": round(float(abs(shapely.union_all(geoms).area - icb_geom.area)), 3),
        "population": int(frame.POP2020.sum()),
        "icb_population": int(lsoa11.frame.loc[lsoa11.frame.ICB22CD.notna(), "POP2020"].sum()),
    }
    if not checks["coverage_is_valid"] or checks["area_difference_m2"] > 1 or checks["population"] != checks[
            "icb_population"]:
        raise SystemExit(f"build_pcn: the PCN layer does not tile the ICB footprint: {checks}")
    # a build script rebuilds in place: force=True
    write_geopackage(frame, lsc / "pcn.gpkg", "pcn", force=True, timestamp=PINNED_TIMESTAMP)
    write_table(built.lookup.rename(columns={built.block_code: "LSOA11CD"}), lsc / "lsoa11_pcn.csv", force=True)
    shares = built.shares.rename(columns={"LSOA_CODE": "LSOA11CD"}).assign(SHARE=lambda f: f.SHARE.round(6))
    write_table(shares, lsc / "lsoa11_pcn_shares.csv", force=True)
    edec = edec_layer(catchments, set(frame.PCN_CODE), icb_geom)
    write_geopackage(edec.frame, lsc / "pcn_edec2020.gpkg", "pcn_edec2020", force=True, timestamp=PINNED_TIMESTAMP)
    held_out = held_out_constants(sources)
    catalogue = catalogue_text(built, checks, edec, lsoa11.entry.licence, held_out)
    write_text(out / "catalogue.d" / "pcn.yaml", catalogue, force=True)
    return {"features": len(frame), "agreement": built.agreement, "held_out": held_out.share}


class Edec:
    """The eDEC comparison layer and its overlap/gap figures."""

    def __init__(self, frame, facts: dict):
        self.frame = frame
        self.facts = facts


def edec_layer(catchments, current: set[str], icb_geom) -> Edec:
    """eDEC PCN polygons in EPSG:27700 with a flag for codes still current in Oct 2025, and how far from a tiling."""
    import shapely

    from placegeo.checks.coverage import coverage_validity

    frame = catchments.frame.rename(columns={"pcn_code": "PCN_CODE", "pcn_name": "PCN_NAME"})
    frame = frame[["PCN_CODE", "PCN_NAME", "geometry"]].copy()
    frame["CURRENT_2025"] = frame.PCN_CODE.isin(current)
    frame["AREA_KM2"] = (frame.area / 1e6).round(2)
    union = shapely.union_all(frame.geometry.to_numpy())
    facts = {
        "features": len(frame),
        "sum_area_km2": round(float(frame.area.sum() / 1e6), 1),
        "union_area_km2": round(float(union.area / 1e6), 1),
        "icb_area_km2": round(float(icb_geom.area / 1e6), 1),
        "icb_gap_km2": round(float(icb_geom.difference(union).area / 1e6), 1),
        "outside_icb_km2": round(float(union.difference(icb_geom).area / 1e6), 1),
        "coverage_is_valid": coverage_validity(frame.geometry.to_numpy()).valid,
        "not_current": sorted(set(frame.PCN_CODE) - current),
        "current_missing": sorted(current - set(frame.PCN_CODE)),
    }
    return Edec(frame.reset_index(drop=True), facts)


def catalogue_text(built, checks: dict, edec: Edec, lsoa_licence: str, held_out) -> str:
    import yaml

    frame = built.frame
    agreement = {k: dict(v) for k, v in built.agreement.items()}
    best = max(agreement, key=lambda k: agreement[k]["population_share"])
    figures = "; ".join(f"{k} {v['population_share']:.1%} of population ({v['lsoa_share']:.1%} of LSOAs)"
                        for k, v in agreement.items())
    rules = built.lookup.RULE.value_counts().to_dict()
    report = built.practices
    unallocated = ", ".join(built.membership.frame.PRACTICE_CODE[built.membership.frame.PCN_CODE == "U"])
    pcn = {
        "id": "pcn",
        "title": "Primary Care Networks, Lancashire and South Cumbria (October 2025 membership), LSOA-built footprints",
        "region": "lsc",
        "file": "lsc/pcn.gpkg",
        "layer": "pcn",
        "code": "PCN_CODE",
        "name": "PCN_NAME",
        "kind": "pcn",
        "geometry": "polygon",
        "exactness": "modelled",
        "caveat": held_out_caveat(held_out, f" outside Pennine Lancashire ({rules.get('nearest-gravity', 0)} of "
                                            f"{len(built.lookup):,} LSOAs; registrations decide the other "
                                            f"{rules.get('registrations', 0)})"),
        "vintage": (f"PCN membership {built.membership.vintage} (NHS England); registered patients by LSOA April 2020 "
                    "(Pennine Lancashire); practice locations early 2024 (ONSPD); list sizes May 2022; LSOA December "
                    "2011 blocks"),
        "publisher": "NHS England / NHS Digital (membership, registrations, list sizes); ONS (LSOAs, ONSPD); "
                     "built by placegeo",
        "licence": "\n".join([LICENCE_NHSE, LICENCE_NHSD, LICENCE_ONSPD, lsoa_licence]),
        "features": len(frame),
        "crs": "EPSG:27700",
        "population": "POP2020",
        "population_vintage": "mid-2020 (ONS small area population estimates SAPE23DT2), summed over each PCN's LSOAs",
        "blocks": None,
        "members_file": "lsc/lsoa11_pcn.csv",
        "members_layer": "lsoa11",
        "shares_file": "lsc/lsoa11_pcn_shares.csv",
        "built_from": (
            "scripts/build_pcn.py: placegeo.pcn.build_pcns over the 1,058 lsoa11 LSOAs with ICB22CD set. "
            f"{rules.get('registrations', 0)} Pennine Lancashire LSOAs go to the PCN with most registered patients "
            "(gp-reg-lsoa-pennine-2020, practices mapped to Oct-2025 PCNs by practice code); the other "
            f"{rules.get('nearest-gravity', 0)} to the PCN with the strongest gravity pull (sum of list size / "
            "max(distance, 500 m)^2 over its practices, from the LSOA centroid; practice-pcn-geocoded-2024 "
            "locations, gp-list-size-2022-05 list sizes). Polygons are shapely.coverage_union_all of each "
            "PCN's LSOAs."),
        "notes": (
            f"Tiles the ICB footprint: shapely.coverage_is_valid {checks['coverage_is_valid']}, union area equals the "
            f"icb layer's (difference {checks['area_difference_m2']} m²), POP2020 sums to {checks['population']:,} "
            f"(the ICB's 1,058 LSOAs: {checks['icb_population']:,}). Agreement with registrations in Pennine "
            f"Lancashire ({next(iter(agreement.values()))['lsoas']} LSOAs, modal PCN of April-2020 registered patients "
            f"under the Oct-2025 membership), IN-SAMPLE (the gravity constants, exponent 2 and 500 m floor, were "
            f"chosen on these same registrations): {figures}. Best method without registrations: {best}. "
            f"HELD-OUT (placegeo.pcn.tune: constants chosen on one half of Pennine Lancashire, scored on the other, "
            f"both ways): {held_out.share:.1%} of population "
            f"({'; '.join(f'{f.test_share:.1%} in {f.test}' for f in held_out.folds)}), the figure to expect "
            "where there are no registrations. "
            f"Unallocated practice {unallocated or 'none'} (PCN_CODE U) is in no PCN: it has no footprint and "
            f"does not pull LSOAs; its point lies in a neighbouring PCN. {len(report)} practices lie in an LSOA "
            "given to another PCN (mostly town-centre practices whose patients live around them; some points are "
            "at a pre-move postcode, see the practices layer's POSTCODE_MOVED): "
            f"{', '.join(report.PRACTICE_CODE)}. List sizes are May 2022 and registrations April 2020: the newest "
            "public copies. LIST_SIZE sums the member practices' May-2022 lists; POP2020 is resident population."),
        "agreement": agreement,
    }
    facts = edec.facts
    edec_entry = {
        "id": "pcn-edec2020",
        "title": "PCN catchments (eDEC 2020), Lancashire and South Cumbria: COMPARISON ONLY, polygons overlap and "
                 "leave gaps",
        "region": "lsc",
        "file": "lsc/pcn_edec2020.gpkg",
        "layer": "pcn_edec2020",
        "code": "PCN_CODE",
        "name": "PCN_NAME",
        "kind": "pcn",
        "geometry": "polygon",
        "vintage": "eDEC GP inner catchment areas January-March 2020; PCN codes ePCN ~February 2021",
        "publisher": "NHS Digital (eDEC practice catchments; ODS ePCN); union by PCN by humaniverse/geographr",
        "licence": LICENCE_NHSD,
        "features": facts["features"],
        "crs": "EPSG:27700",
        "population": None,
        "population_vintage": None,
        "blocks": None,
        "built_from": "pcn-boundaries-edec-2020/boundaries_pcn_lsc.geojson reprojected to EPSG:27700; columns "
                      "renamed to PCN_CODE/PCN_NAME; CURRENT_2025 says whether the code is in the Oct-2025 membership.",
        "notes": (
            f"Not a partition: the {facts['features']} polygons sum to {facts['sum_area_km2']:,} km² but their union "
            f"is {facts['union_area_km2']:,} km² (overlaps), they leave {facts['icb_gap_km2']:,} km² of the ICB "
            f"footprint ({facts['icb_area_km2']:,} km²) uncovered and reach {facts['outside_icb_km2']:,} km² outside "
            f"it; shapely.coverage_is_valid {facts['coverage_is_valid']}. Codes no longer in the Oct-2025 membership: "
            f"{', '.join(facts['not_current'])}. Oct-2025 PCNs with no polygon here: "
            f"{', '.join(facts['current_missing'])}. Use the pcn layer for analysis; this one shows what practices "
            "declared as catchments."),
        "comparison_only": True,
        "coverage": {k: v for k, v in facts.items() if k not in ("not_current", "current_missing")},
    }
    header = "# Generated by scripts/build_pcn.py -- do not edit by hand.\n"
    return header + yaml.safe_dump({"layers": [pcn, edec_entry]}, sort_keys=False, allow_unicode=True, width=110)


if __name__ == "__main__":
    sys.exit(main())
