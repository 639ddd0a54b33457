"""Build the England PCN membership (run after build_pcn.py; `make data` runs it).

Writes into ``--out`` (data/boundaries):
- ``england/lsoa21_pcn.csv``: LSOA21CD, PCN_CODE, PCN_NAME for all 33,755 English LSOAs 2021, each given to a PCN
  of its own ICB 2024 by the nearest-gravity model, with constants chosen on held-out Pennine Lancashire
  registrations (placegeo.pcn.tune).
- ``catalogue.d/pcn-england.yaml``: the ``england/pcn`` entry (no ``file``: the loader dissolves the polygons from
  the members file), with the held-out agreement in its caveat.
Prints the measurements: held-out agreements, counts, runtime, agreement with the bundled L&SC footprints.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_pcn import LICENCE_NHSD, LICENCE_NHSE, LICENCE_ONSPD, held_out_caveat, held_out_constants

LICENCE_ONS = ("Source: Office for National Statistics licensed under the Open Government Licence v.3.0. Contains OS "
               "data © Crown copyright and database right 2022.")
MEMBERS = "england/lsoa21_pcn.csv"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, default=Path("../shared/data/sources"))
    parser.add_argument("--out", type=Path, default=Path("data/boundaries"))
    args = parser.parse_args(argv)
    os.environ["PLACEGEO_DATA"] = str(args.out.resolve().parent)  # the bundled lsoa11 used for the held-out tuning
    facts = build(args.sources, args.out)
    print("\n".join(facts["lines"]))
    return 0


def build(sources: Path, out: Path) -> dict:
    import pandas as pd

    from placegeo.io import write_table, write_text
    from placegeo.pcn import england, tune

    start = time.perf_counter()
    result = held_out_constants(sources)
    beta, floor = result.constants
    tuned = time.perf_counter()
    built = england.build_england_pcns(sources, beta=beta, floor=floor)
    seconds = time.perf_counter() - tuned
    write_table(built.members, out / MEMBERS, force=True, lineterminator="\n")
    lsc = england.lsc_agreement(
        built.members, pd.read_csv(out / "lsc" / "lsoa11_pcn.csv", dtype=str),
        pd.read_csv(sources / england.LSOA11_LSOA21, dtype=str), england.read_census(sources / england.CENSUS))
    write_text(out / "catalogue.d" / "pcn-england.yaml", catalogue_text(built, result, lsc), force=True)
    lines = ["england/pcn: held-out tuning on Pennine Lancashire registrations (nearest-gravity):",
             *tune.format_held_out(result),
             f"  {len(built.pcns)} PCNs hold the {len(built.members):,} LSOAs 2021 ({len(built.empty)} PCN(s) of the "
             f"membership win none: {', '.join(built.empty)}); {len(built.practices.unallocated)} 'U' practices left "
             "out",
             f"  practices placed at their PCN's postcode: {len(built.practices.at_pcn_postcode)} "
             f"({', '.join(built.practices.at_pcn_postcode)}); given the median list size: "
             f"{len(built.practices.median_size)} ({', '.join(built.practices.median_size)})",
             f"  England build {seconds:.1f} s (tuning {tuned - start:.1f} s)",
             "  agreement with the bundled L&SC pcn layer (Census 2021 population via LSOA11->21): "
             + "; ".join(f"{k} {v['share']:.1%} of {v['population']:,}" for k, v in lsc.items())]
    return {"lines": lines, "built": built, "held_out": result, "lsc": lsc}


def catalogue_text(built, result, lsc: dict) -> str:
    import yaml

    beta, floor = result.constants
    practices = built.practices
    folds = "; ".join(f"chosen on {f.train} (beta {f.beta:g}, floor {f.floor:g} m), scored on {f.test}: "
                      f"{f.test_share:.1%} of population ({f.test_population_same:,} of {f.test_population:,})"
                      for f in result.folds)
    entry = {
        "id": "england/pcn",
        "title": "Primary Care Networks, England (October 2025 membership), modelled LSOA 2021 footprints",
        "region": "england",
        "file": None,
        "layer": None,
        "code": "PCN_CODE",
        "name": "PCN_NAME",
        "kind": "pcn",
        "geometry": "polygon",
        "exactness": "modelled",
        "caveat": held_out_caveat(result, ""),
        "vintage": (f"PCN membership {built.vintage} (NHS England); practice locations early 2024 (ONSPD); list "
                    "sizes May 2022; ICB 2024 (LSOA 2021 lookup); LSOA December 2021 blocks; population Census 2021"),
        "publisher": "NHS England / NHS Digital (membership, list sizes, registrations); ONS (LSOAs, lookups, "
                     "Census, ONSPD); built by placegeo",
        "licence": "\n".join([LICENCE_NHSE, LICENCE_NHSD, LICENCE_ONSPD, LICENCE_ONS]),
        "features": len(built.pcns),
        "crs": "EPSG:27700",
        "population": "POP2021",
        "population_vintage": "Census 2021 (21 March 2021), usual residents, summed over each PCN's LSOAs",
        "blocks": None,
        "members_file": MEMBERS,
        "members_layer": "england/lsoa21",
        "built_from": (
            "scripts/build_pcn_england.py: placegeo.pcn.england.build_england_pcns. Each of the "
            f"{len(built.members):,} LSOAs 2021 (lsoa21-bgc-england, polygon centroid in EPSG:27700; "
            "population-weighted centroids are not available) goes to the PCN of its own ICB 2024 (england-nhs-"
            "lookups lookup_lsoa21_sicbl24_icb24) with the strongest gravity pull: the sum over the PCN's practices "
            f"of list size / max(distance, {floor:g} m)^{beta:g}. A PCN belongs to the ICB of most of its practices "
            "in the Oct-2025 membership (pcn-membership-2025-10), so every ICB is tiled exactly by its PCNs. "
            "Practice locations: practice-pcn-geocoded-2024 (ONSPD); list sizes: gp-list-size-2022-05. Constants "
            "chosen by placegeo.pcn.tune on both halves of Pennine Lancashire (gp-reg-lsoa-pennine-2020)."),
        "notes": (
            f"Held-out agreement with registrations (modal PCN of April-2020 registered patients, Oct-2025 "
            f"membership, LSOA 2011, mid-2020 population): {folds}; population-weighted over both halves "
            f"{result.share:.1%}. The two halves prefer different constants, so the layer uses the same choice made "
            f"on both together (beta {beta:g}, floor {floor:g} m); {result.share:.1%} is the figure to quote. "
            f"{len(practices.unallocated)} 'U' (Unallocated) practices are in no PCN and pull no LSOAs. "
            f"{len(built.empty)} PCNs of the membership win no LSOA (their pull is weaker everywhere than a "
            f"neighbour's) and have no footprint: {', '.join(built.empty)}. "
            f"{len(practices.at_pcn_postcode)} practices have no location in the 2024 geocoded file and are placed "
            f"at their PCN's postcode: {', '.join(practices.at_pcn_postcode)}; {len(practices.median_size)} have no "
            f"May-2022 list size and are given the median: {', '.join(practices.median_size)}. "
            + (f"PCN(s) with practices split evenly across ICBs, given the ICB holding more of their list size: "
               f"{', '.join(built.pcn_icb_ties)}. " if built.pcn_icb_ties else "")
            + "Distances are straight lines, so water is no barrier, and footprints need not be contiguous. "
            f"Against the bundled L&SC pcn layer (LSOA 2011), {lsc['all']['share']:.1%} of L&SC Census-2021 "
            f"population gets the same PCN code ({lsc['registrations']['share']:.1%} in Pennine Lancashire, "
            f"where the L&SC layer follows registrations; {lsc['nearest-gravity']['share']:.1%} elsewhere)."),
        "held_out": {
            "folds": [{"train": f.train, "test": f.test, "beta": f.beta, "floor": f.floor,
                       "train_share": round(f.train_share, 4), "test_population": f.test_population,
                       "test_population_same": f.test_population_same, "test_lsoas": f.test_lsoas,
                       "test_lsoas_same": f.test_lsoas_same, "test_share": round(f.test_share, 4)}
                      for f in result.folds],
            "share": round(result.share, 4),
            "beta": beta,
            "floor": floor,
        },
        "pcns_without_lsoa": built.empty,
        "lsc_agreement": lsc,
    }
    header = "# Generated by scripts/build_pcn_england.py -- do not edit by hand.\n"
    return header + yaml.safe_dump({"layers": [entry]}, sort_keys=False, allow_unicode=True, width=110)


if __name__ == "__main__":
    sys.exit(main())
