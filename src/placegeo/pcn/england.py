"""England PCN footprints: every LSOA 2021 to one PCN of its own ICB, by the nearest-gravity model.

Each PCN of the October 2025 membership (less the 'U'/Unallocated pseudo-PCN) belongs to the ICB of most of its
practices. Each LSOA 2021 goes to the PCN of its ICB 2024 (official lookup) with the strongest gravity pull on the
LSOA's centroid: the sum over the PCN's practices of list size / max(distance, floor) ** beta. So every ICB is
tiled exactly by its PCNs, and PCN footprints nest in LSOAs like every other England layer. The output is a
membership table (LSOA21CD, PCN_CODE, PCN_NAME); polygons are dissolved from it when the layer is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from placegeo.errors import InputError
from placegeo.pcn.build import UNALLOCATED
from placegeo.pcn.sources import pick, read_csv, read_list_sizes

MEMBERSHIP = "pcn-membership-2025-10/gp-reg-pat-prac-map_2025-10_England.csv"
LOCATIONS = "practice-pcn-geocoded-2024/practice_pcn_lookup_geocoded_England.csv"
LIST_SIZES = "gp-list-size-2022-05/gp-reg-pat-prac-all_2022-05_England.csv"
ICB_LOOKUP = "england-nhs-lookups/lookup_lsoa21_sicbl24_icb24_England.csv"
LSOA21 = "lsoa21-bgc-england/lsoa21_bgc_england.gpkg"
CENSUS = "lsoa21-population-census2021/census21_pop_lsoa21_EW_total.csv"
LSOA11_LSOA21 = "lsoa-lad-lookups/lookup_lsoa11_lsoa21_ltla22_EW.csv"


@dataclass
class EnglandPractices:
    """Practices of real PCNs with location (EPSG:27700) and list size, and what had to be filled in."""

    frame: pd.DataFrame  # PRACTICE_CODE, PCN_CODE, PCN_NAME, ICB24CD, X, Y, SIZE
    at_pcn_postcode: list[str]  # no location of their own: placed at their PCN's postcode
    median_size: list[str]  # no list size: given the median
    unallocated: list[str]  # 'U' practices, left out


@dataclass
class EnglandPcns:
    """The England build: the membership table, one row per PCN, and the counts that qualify it."""

    members: pd.DataFrame  # LSOA21CD, PCN_CODE, PCN_NAME (sorted by LSOA21CD)
    pcns: pd.DataFrame  # PCN_CODE, PCN_NAME, ICB24CD, PRACTICES, LIST_SIZE, LSOAS, POP2021 (PCNs with LSOAs)
    practices: EnglandPractices
    empty: list[str]  # PCNs that won no LSOA
    pcn_icb_ties: list[str] = field(default_factory=list)  # PCNs with practices split evenly across ICBs
    beta: float = 0.0
    floor: float = 0.0
    vintage: str = ""


def read_practices_england(membership: str | Path, locations: str | Path, list_sizes: str | Path) -> EnglandPractices:
    """Oct-2025 member practices with their ICB, location (own postcode, else their PCN's) and list size."""
    import geopandas as gpd

    from placegeo.pcn.sources import extract_date

    members = read_csv(membership)
    for column in ("PRACTICE_CODE", "PCN_CODE", "PCN_NAME", "ONS_ICB_CODE"):
        pick(members, (column,), membership, column)
    vintage = extract_date(members)
    unallocated = sorted(members.PRACTICE_CODE[members.PCN_CODE == UNALLOCATED])
    members = members[members.PCN_CODE != UNALLOCATED][["PRACTICE_CODE", "PCN_CODE", "PCN_NAME", "ONS_ICB_CODE"]]
    if members.PRACTICE_CODE.duplicated().any():
        raise InputError(f"practice {members.PRACTICE_CODE[members.PRACTICE_CODE.duplicated()].iloc[0]} is listed "
                         "more than once", path=membership)
    where = read_csv(locations)
    for column in ("PRAC_CODE", "PRAC_LAT", "PRAC_LNG", "PCN_CODE", "PCN_LAT", "PCN_LNG"):
        pick(where, (column,), locations, column)
    own = where.set_index("PRAC_CODE")[["PRAC_LAT", "PRAC_LNG"]].apply(pd.to_numeric, errors="coerce").dropna()
    pcn_at = (where[["PCN_CODE", "PCN_LAT", "PCN_LNG"]].assign(
        PCN_LAT=lambda f: pd.to_numeric(f.PCN_LAT, errors="coerce"),
        PCN_LNG=lambda f: pd.to_numeric(f.PCN_LNG, errors="coerce")).dropna().drop_duplicates("PCN_CODE")
        .set_index("PCN_CODE"))
    lat = members.PRACTICE_CODE.map(own.PRAC_LAT)
    lng = members.PRACTICE_CODE.map(own.PRAC_LNG)
    fallback = lat.isna()
    lat = lat.fillna(members.PCN_CODE.map(pcn_at.PCN_LAT))
    lng = lng.fillna(members.PCN_CODE.map(pcn_at.PCN_LNG))
    if lat.isna().any():
        first = members.PRACTICE_CODE[lat.isna()].iloc[0]
        raise InputError(f"{int(lat.isna().sum())} practice(s) have no location of their own or of their PCN "
                         f"(first: {first})", path=locations)
    points = gpd.GeoSeries(gpd.points_from_xy(lng, lat), crs="EPSG:4326").to_crs("EPSG:27700")
    sizes = members.PRACTICE_CODE.map(read_list_sizes(list_sizes)).astype(float)
    unsized = sizes.isna() | (sizes <= 0)
    sizes = sizes.where(~unsized, float(np.median(sizes[~unsized])))
    frame = pd.DataFrame({"PRACTICE_CODE": members.PRACTICE_CODE.to_numpy(), "PCN_CODE": members.PCN_CODE.to_numpy(),
                          "PCN_NAME": members.PCN_NAME.to_numpy(), "ICB24CD": members.ONS_ICB_CODE.to_numpy(),
                          "X": points.x.to_numpy(), "Y": points.y.to_numpy(), "SIZE": sizes.to_numpy()})
    frame = frame.sort_values("PRACTICE_CODE", ignore_index=True)
    frame.attrs["vintage"] = vintage
    return EnglandPractices(frame, sorted(members.PRACTICE_CODE[fallback.to_numpy()]),
                            sorted(members.PRACTICE_CODE[unsized.to_numpy()]), unallocated)


def pcn_icbs(practices: pd.DataFrame) -> tuple[pd.Series, list[str]]:
    """PCN -> the ICB of most of its practices (an even split: the ICB holding more of its list size, then the
    lower code), and the PCNs that needed that tie-break."""
    counts = practices.groupby(["PCN_CODE", "ICB24CD"]).agg(n=("PRACTICE_CODE", "size"), size=("SIZE", "sum"))
    counts = counts.reset_index().sort_values(["PCN_CODE", "n", "size", "ICB24CD"],
                                              ascending=[True, False, False, True])
    top = counts[counts.n == counts.groupby("PCN_CODE").n.transform("max")]
    ties = sorted(top.PCN_CODE[top.PCN_CODE.duplicated()].unique())
    return counts.drop_duplicates("PCN_CODE").set_index("PCN_CODE").ICB24CD, ties


def lsoa_centroids(path: str | Path) -> pd.DataFrame:
    """LSOA21CD, X, Y: centroid of each LSOA 2021 polygon (BGC) reprojected to EPSG:27700, sorted by code.

    Population-weighted centroids are not in the sources; the polygon centroid is also what the L&SC model and
    the held-out constants used.
    """
    import geopandas as gpd

    frame = gpd.read_file(path, columns=["LSOA21CD"]).to_crs("EPSG:27700")
    centroids = frame.geometry.centroid
    out = pd.DataFrame({"LSOA21CD": frame.LSOA21CD.astype(str).to_numpy(), "X": centroids.x.to_numpy(),
                        "Y": centroids.y.to_numpy()})
    return out.sort_values("LSOA21CD", ignore_index=True)


def read_icb_lookup(path: str | Path) -> pd.Series:
    """LSOA21CD -> ICB24CD from the official LSOA 2021 -> sub-ICB -> ICB 2024 lookup."""
    frame = read_csv(path)
    for column in ("lsoa21_code", "icb24_code"):
        pick(frame, (column,), path, column)
    if frame.lsoa21_code.duplicated().any():
        raise InputError(f"LSOA {frame.lsoa21_code[frame.lsoa21_code.duplicated()].iloc[0]} is in two ICBs", path=path)
    return frame.set_index("lsoa21_code").icb24_code.rename("ICB24CD")


def gravity_within_icbs(lsoas: pd.DataFrame, practices: pd.DataFrame, icb_of_pcn: pd.Series, *, beta: float,
                        floor: float) -> pd.Series:
    """LSOA21CD -> PCN code: the PCN of the LSOA's own ICB with the strongest pull (ties: the lower code).

    ``lsoas`` has LSOA21CD, X, Y, ICB24CD; ``practices`` PRACTICE_CODE, PCN_CODE, X, Y, SIZE. All practices of a
    PCN pull for it, wherever they are; only PCNs of the LSOA's ICB compete for it.
    """
    practices = practices.assign(PCN_ICB=practices.PCN_CODE.map(icb_of_pcn))
    out = []
    for icb, here in lsoas.groupby("ICB24CD", sort=True):
        pull = practices[practices.PCN_ICB.eq(icb)]
        if pull.empty:
            raise InputError(f"ICB {icb} has no PCN in the membership")
        codes, column = np.unique(pull.PCN_CODE.to_numpy(), return_inverse=True)
        distance = np.hypot(here.X.to_numpy()[:, None] - pull.X.to_numpy()[None, :],
                            here.Y.to_numpy()[:, None] - pull.Y.to_numpy()[None, :])
        score = pull.SIZE.to_numpy()[None, :] / np.maximum(distance, floor) ** beta
        one_hot = np.zeros((len(pull), len(codes)))
        one_hot[np.arange(len(pull)), column] = 1.0
        out.append(pd.Series(codes[np.argmax(score @ one_hot, axis=1)], index=here.LSOA21CD.to_numpy()))
    return pd.concat(out).sort_index().rename("PCN_CODE")


def read_census(path: str | Path) -> pd.Series:
    """LSOA21CD -> Census 2021 usual residents."""
    frame = read_csv(path)
    for column in ("lsoa21_code", "usual_residents"):
        pick(frame, (column,), path, column)
    return pd.to_numeric(frame.set_index("lsoa21_code").usual_residents).round().astype("int64").rename("POP2021")


def build_england_pcns(sources: str | Path, *, beta: float, floor: float) -> EnglandPcns:
    """The England PCN membership from the source files under ``sources`` (see the module constants)."""
    sources = Path(sources)
    practices = read_practices_england(sources / MEMBERSHIP, sources / LOCATIONS, sources / LIST_SIZES)
    icb_of_pcn, ties = pcn_icbs(practices.frame)
    lsoas = lsoa_centroids(sources / LSOA21)
    icb = read_icb_lookup(sources / ICB_LOOKUP)
    lsoas["ICB24CD"] = lsoas.LSOA21CD.map(icb)
    if lsoas.ICB24CD.isna().any():
        raise InputError(f"LSOA {lsoas.LSOA21CD[lsoas.ICB24CD.isna()].iloc[0]} is not in the ICB lookup",
                         path=sources / ICB_LOOKUP)
    pcn = gravity_within_icbs(lsoas, practices.frame, icb_of_pcn, beta=beta, floor=floor)
    names = practices.frame.drop_duplicates("PCN_CODE").set_index("PCN_CODE").PCN_NAME
    members = pd.DataFrame({"LSOA21CD": pcn.index, "PCN_CODE": pcn.to_numpy(), "PCN_NAME": pcn.map(names).to_numpy()})
    population = members.LSOA21CD.map(read_census(sources / CENSUS))
    if population.isna().any():
        raise InputError(f"LSOA {members.LSOA21CD[population.isna()].iloc[0]} has no Census 2021 population",
                         path=sources / CENSUS)
    groups = practices.frame.groupby("PCN_CODE")
    pcns = pd.DataFrame({"PCN_CODE": sorted(set(pcn))})
    pcns["PCN_NAME"] = pcns.PCN_CODE.map(names)
    pcns["ICB24CD"] = pcns.PCN_CODE.map(icb_of_pcn)
    pcns["PRACTICES"] = pcns.PCN_CODE.map(groups.size()).astype(int)
    pcns["LIST_SIZE"] = pcns.PCN_CODE.map(groups.SIZE.sum()).round().astype("int64")
    pcns["LSOAS"] = pcns.PCN_CODE.map(members.PCN_CODE.value_counts()).astype(int)
    pcns["POP2021"] = pcns.PCN_CODE.map(population.groupby(members.PCN_CODE.to_numpy()).sum()).astype("int64")
    empty = sorted(set(practices.frame.PCN_CODE) - set(pcn))
    return EnglandPcns(members, pcns, practices, empty, ties, beta, floor, practices.frame.attrs.get("vintage", ""))


def lsc_agreement(members21: pd.DataFrame, lsc_members: pd.DataFrame, lsoa11_lsoa21: pd.DataFrame,
                  population21: pd.Series) -> dict[str, dict]:
    """How far the England footprints agree with the bundled L&SC ones (LSOA 2011), by Census 2021 population.

    Each (LSOA 2011, LSOA 2021) pair of the official lookup carries the LSOA 2021's population divided by its
    number of 2011 parents; a pair agrees when both layers give it the same PCN code. Split by the L&SC rule
    (registrations in Pennine Lancashire, nearest-gravity elsewhere).
    """
    pairs = lsoa11_lsoa21[["lsoa11_code", "lsoa21_code"]].drop_duplicates()
    pairs = pairs[pairs.lsoa11_code.isin(set(lsc_members.LSOA11CD))]
    pairs = pairs.assign(
        weight=lambda f: f.lsoa21_code.map(population21) / f.groupby("lsoa21_code").lsoa11_code.transform("size"),
        lsc=lambda f: f.lsoa11_code.map(lsc_members.set_index("LSOA11CD").PCN_CODE),
        rule=lambda f: f.lsoa11_code.map(lsc_members.set_index("LSOA11CD").RULE),
        england=lambda f: f.lsoa21_code.map(members21.set_index("LSOA21CD").PCN_CODE))
    out = {}
    for label, rows in [("all", pairs), *pairs.groupby("rule")]:
        same = rows.lsc == rows.england
        total, agreeing = float(rows.weight.sum()), float(rows.weight[same].sum())
        out[label] = {"population": round(total), "population_same": round(agreeing),
                      "share": round(agreeing / total, 4)}
    return out
