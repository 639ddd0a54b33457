#!/usr/bin/env python
"""Build placegeo's bundled boundary layers from the read-only source folders.

Usage::

    python scripts/build_boundaries.py [--sources ../shared/data/sources] [--out data/boundaries]

Writes, under ``--out`` (default ``data/boundaries``):

* ``lsc/*.gpkg`` -- Lancashire and South Cumbria (L&SC) layers. Every polygon layer except ``lsoa21`` is
  built from one LSOA 2011 coverage (``lsc/lsoa11.gpkg``), so districts, counties, CCGs and the ICB nest
  exactly in the LSOAs. ``lsc/practices.gpkg`` holds the GP practice points.
* ``published/*.gpkg`` -- England-wide layers as ONS published them (each generalised separately), reprojected:
  kept only for ``validate`` demonstrations and the geometric-engine tests and benchmark. The England layers
  to answer with (``england/*``) are built by ``build_england.py`` from one LSOA 2021 layer.
* ``catalogue.yaml``, ``README.md`` and ``LICENCE-DATA.md``.

Every layer is in EPSG:27700, one layer per GeoPackage, polygons as valid MultiPolygons. Each file is
written to a temporary name and moved into place. Output is deterministic: rows are sorted by code and the
GeoPackage timestamp is pinned (GDAL ``OGR_CURRENT_DATE``), so a rebuild from the same sources gives the
same bytes.

Reading, the CRS check and reprojection, repair, coverage checks, dissolving, writing and the catalogue's
structure are placegeo's own (``placegeo.layers``, ``placegeo.checks.coverage``, ``placegeo.io``,
``placegeo.catalogue``); this script holds only the sources, the joins and the words.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from placegeo.catalogue import Blocks, Entry, catalogue_yaml, entry_record, merge_licences
from placegeo.checks.coverage import CoverageValidity, coverage_validity
from placegeo.errors import PlacegeoError
from placegeo.io import write_geopackage, write_text
from placegeo.layers import (
    BNG,
    as_multipolygons,
    dissolve_blocks,
    drop_specks,
    read_frame,
    repair_polygons,
    to_bng,
)

CRS = BNG
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCES = REPO_ROOT.parent / "shared" / "data" / "sources"
DEFAULT_OUT = REPO_ROOT / "data" / "boundaries"
PINNED_TIMESTAMP = "2000-01-01T00:00:00.000Z"

ICB_CODE = "E54000048"
ICB_NAME = "NHS Lancashire and South Cumbria Integrated Care Board"

# The 21 districts (LAD December 2021) of the L&SC study area -> their upper tier (county or the unitary).
LANCASHIRE = [f"E07{n:06d}" for n in range(117, 129)]
CUMBRIA = [f"E07{n:06d}" for n in range(26, 32)]
CRAVEN = "E07000163"
DISTRICT_COUNTY: dict[str, str] = {
    "E06000008": "E06000008",
    "E06000009": "E06000009",
    **dict.fromkeys(CUMBRIA, "E10000006"),
    **dict.fromkeys(LANCASHIRE, "E10000017"),
    CRAVEN: "E10000023",
}
COUNTY_NAMES = {
    "E06000008": "Blackburn with Darwen",
    "E06000009": "Blackpool",
    "E10000006": "Cumbria",
    "E10000017": "Lancashire",
    "E10000023": "North Yorkshire",
}
# The ctyua21 layer holds only Craven of North Yorkshire, so its name says so.
CTYUA_LAYER_NAMES = {**COUNTY_NAMES, "E10000023": "North Yorkshire (Craven part)"}

# The four L&SC places (Lancashire, Blackpool, Blackburn with Darwen, Barrow-in-Furness + South Lakeland).
PLACE_DISTRICTS = [*LANCASHIRE, "E06000008", "E06000009", "E07000027", "E07000031"]
PLACE_POPULATION_2020 = 1_687_118

CENSUS_AGE_GROUPS = {
    "Aged 15 years and under": "POP2021_0_15",
    "Aged 16 to 24 years": "POP2021_16_24",
    "Aged 25 to 34 years": "POP2021_25_34",
    "Aged 35 to 49 years": "POP2021_35_49",
    "Aged 50 to 64 years": "POP2021_50_64",
    "Aged 65 years and over": "POP2021_65PLUS",
}

ONS_2021 = (
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0. "
    "Contains OS data © Crown copyright and database right 2021."
)
ONS_2022 = ONS_2021.replace("right 2021.", "right 2022.")
ONS_2023 = ONS_2021.replace("right 2021.", "right 2023.")
ONS_2024 = ONS_2021.replace("right 2021.", "right 2024.")
ONS_PLAIN = "Source: Office for National Statistics licensed under the Open Government Licence v3.0."
NHSE = "Contains public sector information licensed under the Open Government Licence v3.0. Source: NHS England."
MHCLG = (
    "Contains public sector information licensed under the Open Government Licence v3.0. "
    "Source: Ministry of Housing, Communities and Local Government."
)
NHSD = "Contains public sector information licensed under the Open Government Licence v3.0. Source: NHS Digital."
ONSPD = (
    "Contains public sector information licensed under the Open Government Licence v3.0. "
    "Source: NHS England/NHS Digital; Office for National Statistics licensed under the Open Government "
    "Licence v3.0. Contains OS data © Crown copyright and database right; Contains Royal Mail data © Royal "
    "Mail copyright and database right."
)


class BuildError(RuntimeError):
    """A source or a check failed; the message is printed as one line."""


# --------------------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One input file: where it lives under ``--sources`` and where it came from."""

    path: str
    carrier: str
    publisher: str
    licence: str


SOURCES: dict[str, Source] = {
    "lsoa11_geom": Source(
        "ons-boundaries-national-geographr/lsoa11.geojson",
        "humaniverse/geographr `data/boundaries_lsoa11.rda` @ c026be5cc76cb576358082b53f1f13d69ab577ae",
        "ONS, LSOA (December 2011) super generalised, further simplified (mapshaper, topology kept) by geographr",
        ONS_2021,
    ),
    "mye2020": Source(
        "lsoa-population-mye2020/population20_lsoa11_lsc_syoa.csv",
        "humaniverse/demographr `data/population20_lsoa11.rda` @ c6210a3a68721dd81fbed0fa05baa1cd637ebd02",
        "ONS, LSOA population estimates mid-2020 (SAPE23DT2)",
        ONS_PLAIN,
    ),
    "imd2019": Source(
        "imd-england/imd2019_lsoa11_England.csv",
        "humaniverse/IMD `data/imd2019_england_lsoa11.rda` @ 2f6c9050afee99a40041eb63b02b6b0c58850704",
        "MHCLG, English indices of deprivation 2019 (IMD rank and decile, LSOA 2011; no scores in this file)",
        MHCLG,
    ),
    "lsoa11_lad21": Source(
        "lsoa-lad-lookups/lookup_lsoa11_ltla21_EW.csv",
        "humaniverse/geographr `data/lookup_lsoa11_ltla21.rda` @ 1c8f469132c5be1668cbbd97401a789e222202b8",
        "ONS, LSOA (2011) to Ward (2021) to LAD (2021) Lookup in England and Wales",
        ONS_PLAIN,
    ),
    "lsoa11_ccg21": Source(
        "lsoa-ccg-lookup-lsc/lookup_lsoa11_ccg21_stp21_ltla21_lsc.csv",
        "humaniverse/geographr `data/lookup_lsoa11_ccg21_stp21_ltla21.rda` @ 34c44fc3851e2db30bf00c8ef54e22bc2d9894b4",
        "ONS, LSOA (2011) to CCG to STP to LAD (April 2021) Lookup in England",
        ONS_PLAIN,
    ),
    "lsoa11_lsoa21": Source(
        "lsoa-lad-lookups/lookup_lsoa11_lsoa21_ltla22_EW.csv",
        "humaniverse/geographr `data/lookup_lsoa11_lsoa21_ltla22.rda` @ 0470ab979ec56c0ad30e72c09b8091312d9b5f22",
        "ONS, LSOA (2011) to LSOA (2021) to LAD (2022) Lookup for England and Wales (V2)",
        ONS_PLAIN,
    ),
    "lsoa21_geom": Source(
        "lsoa21-bgc-england/lsoa21_bgc_england.gpkg",
        "drkane/geo-lookups `boundaries/lsoa/*.geojson` @ e20a072d5fc0918437abaa3622be63f40b71d9dd "
        "(concatenated to one GeoPackage)",
        "ONS, LSOA (December 2021) Boundaries EW BGC",
        ONS_2022,
    ),
    "census21_ages": Source(
        "lsoa21-population-census2021/census21_pop_lsoa21_lsc_agegroups.csv",
        "cwthom/hack25usefuldata `data/census21_pop.rda` @ 7d686c7b7a328c4a2c2d3b9fcc0e810b3fd46bce",
        "ONS, Census 2021 usual residents by age (6 categories), LSOA 2021",
        ONS_PLAIN,
    ),
    "census21_total": Source(
        "lsoa21-population-census2021/census21_pop_lsoa21_EW_total.csv",
        "cwthom/hack25usefuldata `data/census21_pop.rda` @ 7d686c7b7a328c4a2c2d3b9fcc0e810b3fd46bce "
        "(summed over age groups)",
        "ONS, Census 2021 usual residents, LSOA 2021",
        ONS_PLAIN,
    ),
    "pcn_map_2025": Source(
        "pcn-membership-2025-10/gp-reg-pat-prac-map_2025-10_lsc.csv",
        "glovs1/SSOT_PCN_Boundaries `Data/gp-reg-pat-prac-map.csv` @ 7c225b92b25a3a8b62059b43a1a295446716644d",
        "NHS England, Patients Registered at a GP Practice, October 2025 (mapping file)",
        NHSE,
    ),
    "practice_geocoded": Source(
        "practice-pcn-geocoded-2024/practice_pcn_lookup_geocoded_lsc.csv",
        "southwest-analytics/practice_pcn_catchment `output/lookup.csv` @ fe1e9759e2d4f82fb1eb1e94ec3f8c0b892b44e4",
        "NHS Digital GP mapping file (early 2024) joined to ONS Postcode Directory coordinates",
        ONSPD,
    ),
    "list_size_2022": Source(
        "gp-list-size-2022-05/gp-reg-pat-prac-all_2022-05_lsc.csv",
        "mattia-ficarelli/gp_mapping `assets/data/gp_pop_data.csv` @ 3fb4718f3a725917ec6520d74942282bcadef802",
        "NHS Digital, Patients Registered at a GP Practice, May 2022 (totals)",
        NHSD,
    ),
    "lad21_bgc": Source(
        "lad-bgc-national/lad21_bgc_uk.gpkg",
        "tom-draper/uk-data-atlas `public/data/boundaries/lad/` (TopoJSON) @ c6058e3977d47a66e6b27e3acf2fddd14a74c4fd",
        "ONS, Local Authority Districts (December 2021) Boundaries UK BGC",
        ONS_2021,
    ),
    "lad24_bsc": Source(
        "nhs-la-bsc-2023-national/lad24_bsc_uk.geojson",
        "dhsc-govuk/FingertipsNext `frontend/fingertips-frontend/public/maps/` @ "
        "baa282714822a4a568b2e86cd396c422f47d1329",
        "ONS, Local Authority Districts (May 2024) Boundaries UK BSC",
        ONS_2024,
    ),
    "utla21": Source(
        "ons-boundaries-national-geographr/utla21.geojson",
        "humaniverse/geographr `data/boundaries_utla21.rda` @ c026be5cc76cb576358082b53f1f13d69ab577ae",
        "ONS, Counties and Unitary Authorities (2021), ultra generalised",
        ONS_2021,
    ),
    "ccg21_bsc": Source(
        "ccg21-national-generalised/ccg21_en.geojson",
        "open-innovations/mental-health-data-map `data/ccg21.geojson` @ 9aa8f0fae5c8d061fd1fca2f17b01b20ba9716e7",
        "ONS, Clinical Commissioning Groups (April 2021) EN BSC (layer CCG_APR_2021_EN_BSC_100M)",
        ONS_2021,
    ),
    "icb22": Source(
        "ons-boundaries-national-geographr/icb22.geojson",
        "humaniverse/geographr `data/boundaries_icb22.rda` @ c026be5cc76cb576358082b53f1f13d69ab577ae",
        "ONS, Integrated Care Boards (July 2022) EN BUC",
        ONS_2022,
    ),
    "icb23_bsc": Source(
        "nhs-la-bsc-2023-national/icb23_bsc_en.geojson",
        "dhsc-govuk/FingertipsNext `frontend/fingertips-frontend/public/maps/` @ "
        "baa282714822a4a568b2e86cd396c422f47d1329",
        "ONS, Integrated Care Boards (April 2023) EN BSC",
        ONS_2023,
    ),
    "sicbl23_bsc": Source(
        "nhs-la-bsc-2023-national/sicbl23_bsc_en.geojson",
        "dhsc-govuk/FingertipsNext `frontend/fingertips-frontend/public/maps/` @ "
        "baa282714822a4a568b2e86cd396c422f47d1329",
        "ONS, Sub Integrated Care Board Locations (April 2023) EN BSC",
        ONS_2023,
    ),
}


def source_path(sources: Path, key: str) -> Path:
    """Absolute path of source ``key``."""
    return sources / SOURCES[key].path


def check_sources(sources: Path) -> None:
    """Fail with one line when the sources folder or any source file is missing."""
    if not sources.is_dir():
        raise BuildError(f"sources folder not found: {sources} (pass --sources PATH)")
    missing = [spec.path for spec in SOURCES.values() if not (sources / spec.path).is_file()]
    if missing:
        raise BuildError(f"missing {len(missing)} source file(s) under {sources}: {', '.join(missing)}")


def licence_of(*keys: str) -> str:
    """The merged attribution lines of the given sources."""
    return merge_licences(SOURCES[key].licence for key in keys)


# --------------------------------------------------------------------------------------------------
# Geometry helpers
# --------------------------------------------------------------------------------------------------


MIN_PART_M2 = 1.0


def in_bng(gdf: gpd.GeoDataFrame, path: Path) -> tuple[gpd.GeoDataFrame, int]:
    """Reproject to EPSG:27700 (CRS checked), mend invalid polygons, promote to MultiPolygon and drop specks
    under :data:`MIN_PART_M2`, all with placegeo's own functions; returns the frame and the repaired count."""
    gdf = to_bng(gdf, path=path)
    geoms, invalid = repair_polygons(gdf.geometry.values)
    geoms, specks = drop_specks(as_multipolygons(geoms), MIN_PART_M2)
    if specks:
        print(f"  dropped {specks} polygon part(s) under {MIN_PART_M2:g} m²")
    return gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=CRS)), int(invalid.sum())


# --------------------------------------------------------------------------------------------------
# L&SC layers
# --------------------------------------------------------------------------------------------------


def as_int(values: pd.Series, what: str) -> pd.Series:
    """Whole-number floats as int64; fail if any value is missing or fractional."""
    if values.isna().any() or not np.all(np.mod(values.to_numpy(dtype=float), 1) == 0):
        raise BuildError(f"{what}: missing or non-integer values")
    return values.astype("int64")


def read_mye2020(sources: Path) -> pd.DataFrame:
    """Mid-2020 LSOA11 population: total and three age bands, one row per L&SC-area LSOA."""
    raw = pd.read_csv(source_path(sources, "mye2020"), dtype={"lsoa11_code": str})
    ages = [str(a) for a in range(90)] + ["90+"]
    bands = {"POP2020_0_15": ages[:16], "POP2020_16_64": ages[16:65], "POP2020_65PLUS": ages[65:]}
    out = pd.DataFrame({"LSOA11CD": raw["lsoa11_code"], "POP2020": as_int(raw["total_population"], "POP2020")})
    for column, cols in bands.items():
        out[column] = as_int(raw[cols].sum(axis=1), column)
    if not (out[list(bands)].sum(axis=1) == out["POP2020"]).all():
        raise BuildError("mid-2020 age bands do not add up to the LSOA totals")
    return out


def lsoa11_attributes(sources: Path) -> pd.DataFrame:
    """LSOA11 attribute table: names, LAD21, upper tier, CCG21, ICB and mid-2020 population."""
    pop = read_mye2020(sources)
    lad = pd.read_csv(source_path(sources, "lsoa11_lad21"), dtype=str).rename(
        columns={
            "lsoa11_code": "LSOA11CD",
            "lsoa11_name": "LSOA11NM",
            "ltla21_code": "LAD21CD",
            "ltla21_name": "LAD21NM",
        }
    )
    ccg = pd.read_csv(source_path(sources, "lsoa11_ccg21"), dtype=str).rename(
        columns={"lsoa11_code": "LSOA11CD", "ccg21_code": "CCG21CD", "ccg21_name": "CCG21NM"}
    )
    attrs = pop.merge(lad, on="LSOA11CD", how="left", validate="one_to_one")
    if attrs["LAD21CD"].isna().any() or set(attrs["LAD21CD"]) != set(DISTRICT_COUNTY):
        raise BuildError("the mid-2020 LSOAs do not map onto exactly the 21 study-area districts")
    if not set(ccg["LSOA11CD"]) <= set(attrs["LSOA11CD"]):
        raise BuildError("the CCG lookup lists LSOAs outside the 21 districts")
    attrs = attrs.merge(ccg[["LSOA11CD", "CCG21CD", "CCG21NM"]], on="LSOA11CD", how="left", validate="one_to_one")
    attrs = attrs.merge(read_imd2019(sources), on="LSOA11CD", how="left", validate="one_to_one")
    if attrs["IMD19_DECILE"].isna().any():
        raise BuildError("IMD 2019 has no decile for some study-area LSOA 2011")
    attrs["CTYUA21CD"] = attrs["LAD21CD"].map(DISTRICT_COUNTY)
    attrs["CTYUA21NM"] = attrs["CTYUA21CD"].map(COUNTY_NAMES)
    attrs["ICB22CD"] = attrs["CCG21CD"].where(attrs["CCG21CD"].isna(), ICB_CODE)
    columns = [
        "LSOA11CD",
        "LSOA11NM",
        "LAD21CD",
        "LAD21NM",
        "CTYUA21CD",
        "CTYUA21NM",
        "CCG21CD",
        "CCG21NM",
        "ICB22CD",
        "POP2020",
        "POP2020_0_15",
        "POP2020_16_64",
        "POP2020_65PLUS",
        "IMD19_DECILE",
        "IMD19_RANK",
    ]
    return attrs[columns]


def read_imd2019(sources: Path) -> pd.DataFrame:
    """IMD 2019 decile and rank (1 = most deprived of 32,844 LSOA 2011 in England) of every LSOA 2011."""
    raw = pd.read_csv(source_path(sources, "imd2019"), dtype={"lsoa11_code": str})
    return pd.DataFrame({"LSOA11CD": raw["lsoa11_code"], "IMD19_DECILE": as_int(raw["IMD_decile"], "IMD19_DECILE"),
                         "IMD19_RANK": as_int(raw["IMD_rank"], "IMD19_RANK")})


def build_lsoa11(sources: Path) -> tuple[gpd.GeoDataFrame, int]:
    """The 1,294 LSOA 2011 of the 21 districts, geographr geometry, with attributes."""
    attrs = lsoa11_attributes(sources)
    path = source_path(sources, "lsoa11_geom")
    geom = read_frame(path, columns=["lsoa11_code"])
    geom = geom[geom["lsoa11_code"].isin(attrs["LSOA11CD"])].rename(columns={"lsoa11_code": "LSOA11CD"})
    if len(geom) != len(attrs) or not geom["LSOA11CD"].is_unique:
        raise BuildError(f"lsoa11 geometry: found {len(geom)} of {len(attrs)} LSOAs")
    geom, repaired = in_bng(geom, path)
    gdf = gpd.GeoDataFrame(attrs.merge(geom, on="LSOA11CD", validate="one_to_one"), crs=CRS)
    return gdf.sort_values("LSOA11CD", ignore_index=True), repaired


def read_census21_ages(sources: Path) -> pd.DataFrame:
    """Census 2021 usual residents by LSOA21: total and the six published age groups as columns."""
    raw = pd.read_csv(source_path(sources, "census21_ages"), dtype={"lsoa21_code": str})
    unknown = set(raw["age_group"]) - set(CENSUS_AGE_GROUPS)
    if unknown:
        raise BuildError(f"unexpected Census 2021 age groups: {sorted(unknown)}")
    wide = raw.pivot(index="lsoa21_code", columns="age_group", values="usual_residents")
    wide = wide.rename(columns=CENSUS_AGE_GROUPS)[list(CENSUS_AGE_GROUPS.values())]
    wide = wide.apply(lambda col: as_int(col, f"census 2021 {col.name}"))
    wide.insert(0, "POP2021", wide.sum(axis=1))
    return wide.rename_axis("LSOA21CD").reset_index()


def check_census_totals(sources: Path, ages: pd.DataFrame) -> None:
    """The age-group sums must equal the separately summed England and Wales totals."""
    totals = pd.read_csv(source_path(sources, "census21_total"), dtype={"lsoa21_code": str})
    joined = ages.merge(totals, left_on="LSOA21CD", right_on="lsoa21_code", how="left")
    if not (joined["usual_residents"] == joined["POP2021"]).all():
        raise BuildError("Census 2021: L&SC age groups disagree with the England and Wales totals file")


def build_lsoa21(sources: Path) -> tuple[gpd.GeoDataFrame, int, CoverageValidity]:
    """LSOA 2021 whose LAD22 is one of the 21 districts, BGC geometry, Census 2021 population.

    Also returns the coverage check of the geometry as published (reprojected, before repair).
    """
    lookup = pd.read_csv(source_path(sources, "lsoa11_lsoa21"), dtype=str)
    lookup = lookup[lookup["ltla22_code"].isin(DISTRICT_COUNTY)].drop_duplicates("lsoa21_code")
    lookup = lookup.rename(
        columns={
            "lsoa21_code": "LSOA21CD",
            "lsoa21_name": "LSOA21NM",
            "ltla22_code": "LAD22CD",
            "ltla22_name": "LAD22NM",
        }
    )
    ages = read_census21_ages(sources)
    if set(ages["LSOA21CD"]) != set(lookup["LSOA21CD"]):
        raise BuildError("Census 2021 L&SC LSOAs differ from the LSOA21 -> LAD22 selection")
    check_census_totals(sources, ages)
    path = source_path(sources, "lsoa21_geom")
    geom = read_frame(path, columns=["LSOA21CD"])
    geom = to_bng(geom[geom["LSOA21CD"].isin(lookup["LSOA21CD"])], path=path)
    if len(geom) != len(lookup):
        raise BuildError(f"lsoa21 geometry: found {len(geom)} of {len(lookup)} LSOAs")
    as_published = coverage_validity(geom.geometry.values)
    geom, repaired = in_bng(geom, path)
    attrs = lookup[["LSOA21CD", "LSOA21NM", "LAD22CD", "LAD22NM"]].merge(ages, on="LSOA21CD", validate="one_to_one")
    gdf = gpd.GeoDataFrame(attrs.merge(geom, on="LSOA21CD", validate="one_to_one"), crs=CRS)
    return gdf.sort_values("LSOA21CD", ignore_index=True), repaired, as_published


def dissolve_lsoas(lsoa11: gpd.GeoDataFrame, key: str, names: dict[str, str], code: str, name: str) -> gpd.GeoDataFrame:
    """Units = ``shapely.coverage_union_all`` of the LSOA rows grouped by ``key`` (rows with a key only), as
    MultiPolygons, by placegeo's own dissolve (the one that builds the ``england/*`` unit layers on use)."""
    rows = lsoa11.dropna(subset=[key])
    units = dissolve_blocks(rows.geometry.values, rows[key], rows[key].map(names), code=code, name=name,
                            populations=rows["POP2020"], population="POP2020", crs=CRS)
    return units.set_geometry(gpd.GeoSeries(as_multipolygons(units.geometry.values), crs=CRS))


def first_value(lsoa11: gpd.GeoDataFrame, key: str, column: str) -> dict[str, str]:
    """Map each ``key`` value to its (single) ``column`` value, failing if a key has several."""
    pairs = lsoa11.dropna(subset=[key]).groupby(key)[column].unique()
    if (pairs.str.len() != 1).any():
        raise BuildError(f"{key} does not determine {column} in lsoa11")
    return {k: v[0] for k, v in pairs.items()}


def build_lad21(lsoa11: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The 21 districts as unions of their LSOAs, with upper tier."""
    lad = dissolve_lsoas(lsoa11, "LAD21CD", first_value(lsoa11, "LAD21CD", "LAD21NM"), "LAD21CD", "LAD21NM")
    lad.insert(2, "CTYUA21CD", lad["LAD21CD"].map(DISTRICT_COUNTY))
    lad.insert(3, "CTYUA21NM", lad["CTYUA21CD"].map(COUNTY_NAMES))
    return lad


def build_ctyua21(lsoa11: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Upper tier of the study area (North Yorkshire = Craven only)."""
    return dissolve_lsoas(lsoa11, "CTYUA21CD", CTYUA_LAYER_NAMES, "CTYUA21CD", "CTYUA21NM")


def build_ccg21(lsoa11: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The eight L&SC CCGs (April 2021) as unions of their LSOAs."""
    return dissolve_lsoas(lsoa11, "CCG21CD", first_value(lsoa11, "CCG21CD", "CCG21NM"), "CCG21CD", "CCG21NM")


def build_icb(lsoa11: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The L&SC ICB footprint: union of its 1,058 LSOAs."""
    return dissolve_lsoas(lsoa11, "ICB22CD", {ICB_CODE: ICB_NAME}, "ICB22CD", "ICB22NM")


def build_practices(sources: Path) -> gpd.GeoDataFrame:
    """GP practice points: Oct 2025 membership, early-2024 ONSPD locations, May 2022 list sizes."""
    members = pd.read_csv(source_path(sources, "pcn_map_2025"), dtype=str)
    located = pd.read_csv(source_path(sources, "practice_geocoded"), dtype={"PRAC_LAT": float, "PRAC_LNG": float})
    lists = pd.read_csv(source_path(sources, "list_size_2022"), dtype={"CODE": str})
    df = members.merge(located, left_on="PRACTICE_CODE", right_on="PRAC_CODE", how="left", validate="one_to_one")
    df = df.merge(
        lists[["CODE", "NUMBER_OF_PATIENTS"]],
        left_on="PRACTICE_CODE",
        right_on="CODE",
        how="left",
        validate="one_to_one",
    )
    if df[["PRAC_LAT", "PRAC_LNG", "NUMBER_OF_PATIENTS"]].isna().any().any():
        raise BuildError("practices: some Oct 2025 practices lack a location or a May 2022 list size")
    moved = df["PRACTICE_POSTCODE"] != df["PRAC_POSTCODE"]
    out = pd.DataFrame(
        {
            "PRACTICE_CODE": df["PRACTICE_CODE"],
            "PRACTICE_NAME": df["PRACTICE_NAME"],
            "PRACTICE_POSTCODE": df["PRACTICE_POSTCODE"],
            "PCN_CODE": df["PCN_CODE_x"],
            "PCN_NAME": df["PCN_NAME_x"],
            "SUB_ICB_CODE": df["ONS_SUB_ICB_LOCATION_CODE"],
            "SUB_ICB_NAME": df["SUB_ICB_LOCATION_NAME"],
            "LIST_SIZE_2022_05": as_int(df["NUMBER_OF_PATIENTS"], "LIST_SIZE_2022_05"),
            "LSOA11CD": df["PRAC_LSOA11"],
            "LOCATION_POSTCODE": df["PRAC_POSTCODE"],
            "LOCATION_VINTAGE": "early 2024 practice postcode, ONSPD coordinates",
            "POSTCODE_MOVED": moved.to_numpy(),
        }
    )
    points = gpd.GeoDataFrame(out, geometry=gpd.points_from_xy(df["PRAC_LNG"], df["PRAC_LAT"]), crs="EPSG:4326")
    return to_bng(points, path=source_path(sources, "practice_geocoded")).sort_values("PRACTICE_CODE",
                                                                                      ignore_index=True)


# --------------------------------------------------------------------------------------------------
# England layers
# --------------------------------------------------------------------------------------------------


def england_polygons(
    sources: Path, key: str, code: str, name: str, rename: dict[str, str] | None = None
) -> tuple[gpd.GeoDataFrame, int, CoverageValidity]:
    """Read a national layer, keep English codes and the code/name columns, reproject and repair.

    Also returns the coverage check of the English features as published (reprojected, before repair).
    """
    rename = rename or {}
    src_cols = [next((k for k, v in rename.items() if v == col), col) for col in (code, name)]
    path = source_path(sources, key)
    gdf = read_frame(path, columns=src_cols).rename(columns=rename)
    gdf = gdf[gdf[code].str.startswith("E")][[code, name, "geometry"]]
    if not gdf[code].is_unique:
        raise BuildError(f"{key}: duplicate codes")
    gdf = to_bng(gdf, path=path)
    published = coverage_validity(gdf.geometry.values)
    gdf, repaired = in_bng(gdf, path)
    return gdf.sort_values(code, ignore_index=True), repaired, published


# --------------------------------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------------------------------


def check_nesting(lsoa11: gpd.GeoDataFrame, units: gpd.GeoDataFrame, key: str) -> None:
    """Each unit must be exactly the union of its LSOAs (same area, no symmetric difference)."""
    for code, unit in zip(units[key], units.geometry, strict=True):
        parts = lsoa11.loc[lsoa11[key] == code].geometry.values
        union = shapely.union_all(parts)
        area = unit.area
        if abs(area - shapely.area(parts).sum()) > 1e-9 * area or shapely.symmetric_difference(unit, union).area > 1e-6:
            raise BuildError(f"{key} {code} is not the exact union of its LSOAs")


def check_within(
    inner: gpd.GeoDataFrame, inner_key: str, outer: gpd.GeoDataFrame, outer_key: str, parent: Callable[[str], str]
) -> None:
    """Every ``inner`` unit must be covered by its parent ``outer`` unit."""
    outer_geom = dict(zip(outer[outer_key], outer.geometry, strict=True))
    for code, geom in zip(inner[inner_key], inner.geometry, strict=True):
        if not outer_geom[parent(code)].covers(geom):
            raise BuildError(f"{inner_key} {code} is not inside {outer_key} {parent(code)}")


def check_place_population(lad21: gpd.GeoDataFrame) -> int:
    """The 16 districts of the four L&SC places must hold 1,687,118 people (mid-2020)."""
    total = int(lad21.loc[lad21["LAD21CD"].isin(PLACE_DISTRICTS), "POP2020"].sum())
    if total != PLACE_POPULATION_2020:
        raise BuildError(f"four-place districts sum to {total:,}, expected {PLACE_POPULATION_2020:,}")
    return total


def practice_checks(practices: gpd.GeoDataFrame, lsoa11: gpd.GeoDataFrame, icb: gpd.GeoDataFrame) -> dict[str, int]:
    """How the practice points sit against the (super generalised) LSOAs and the ICB footprint."""
    joined = gpd.sjoin(
        practices[["LSOA11CD", "geometry"]], lsoa11[["LSOA11CD", "geometry"]], how="left", predicate="within"
    )
    return {
        "outside_icb": int((~practices.within(icb.geometry.iloc[0])).sum()),
        "lsoa_differs": int((joined["LSOA11CD_left"] != joined["LSOA11CD_right"]).sum()),
        "postcode_moved": int(practices["POSTCODE_MOVED"].sum()),
    }


# --------------------------------------------------------------------------------------------------
# Layer descriptions (catalogue + README)
# --------------------------------------------------------------------------------------------------


@dataclass
class Layer:
    """A built layer and everything the catalogue and README say about it."""

    id: str
    title: str
    region: str
    code: str
    name: str
    kind: str
    vintage: str
    publisher: str
    sources: tuple[str, ...]
    built_from: str
    notes: str
    gdf: gpd.GeoDataFrame = field(repr=False)
    population: str | None = None
    population_vintage: str | None = None
    blocks_key: str | None = None
    did: str = ""
    exactness: str = "exact"
    caveat: str = ""

    @property
    def layer(self) -> str:
        """GeoPackage layer name: the id's last part."""
        return self.id.split("/")[-1]

    @property
    def file(self) -> str:
        """File path relative to the output folder."""
        folder = self.id.split("/")[0] if "/" in self.id else "lsc"
        return f"{folder}/{self.layer}.gpkg"

    @property
    def geometry(self) -> str:
        """``point`` or ``polygon``."""
        return "point" if self.kind == "practice" else "polygon"

    def catalogue_entry(self) -> Entry:
        """The layer's catalogue entry, as placegeo reads it back (written with ``entry_record``)."""
        return Entry(id=self.id, title=self.title, region=self.region, file=self.file, layer=self.layer,
                     code=self.code, name=self.name, kind=self.kind, geometry=self.geometry, vintage=self.vintage,
                     publisher=self.publisher, licence=licence_of(*self.sources), features=len(self.gdf), crs=CRS,
                     population=self.population, population_vintage=self.population_vintage,
                     blocks=Blocks("lsoa11", self.blocks_key) if self.blocks_key else None,
                     built_from=self.built_from, notes=self.notes, exactness=self.exactness, caveat=self.caveat)


MYE_VINTAGE = "mid-2020 (ONS small area population estimates SAPE23DT2, released September 2021)"
LSC_SOURCES = ("lsoa11_geom", "mye2020", "lsoa11_lad21", "lsoa11_ccg21")
LSOA11_SOURCES = (*LSC_SOURCES, "imd2019")


def repaired_note(count: int) -> str:
    """Words for the repaired-geometry count."""
    if count == 0:
        return "No geometry needed repair."
    noun = "geometry was" if count == 1 else "geometries were"
    return f"{count} {noun} invalid and repaired with shapely.make_valid (polygon parts kept)."


def coverage_notes(published: CoverageValidity, repaired: int, gdf: gpd.GeoDataFrame) -> str:
    """Coverage validity as published and as written, with the repair count."""
    if repaired == 0:
        return f"{repaired_note(0)} {published.describe()}."
    final = coverage_validity(gdf.geometry.values)
    return (
        f"As published (reprojected): {published.describe()}. {repaired_note(repaired)} After repair: "
        f"{final.describe()}."
    )


def lsc_derived_layer(
    lid: str, title: str, kind: str, key: str, gdf: gpd.GeoDataFrame, what: str, extra_note: str = ""
) -> Layer:
    """Description of an L&SC layer built as a union of lsoa11 rows."""
    return Layer(
        id=lid,
        title=title,
        region="lsc",
        code=key,
        name=key.replace("CD", "NM"),
        kind=kind,
        vintage=f"{what}; built from LSOA December 2011 boundaries; population {MYE_VINTAGE}",
        publisher="Office for National Statistics (LSOA boundaries, lookups and population); built by placegeo",
        sources=LSC_SOURCES,
        built_from=(
            f"shapely.coverage_union_all of the lsc/lsoa11.gpkg polygons grouped by {key}; POP2020 and "
            "LSOA_COUNT summed over the same LSOAs."
        ),
        notes=f"{coverage_validity(gdf.geometry.values).describe()}. Nests exactly in lsoa11 (verified: area and "
        f"symmetric difference against the union of its LSOAs). {extra_note}".strip(),
        gdf=gdf,
        population="POP2020",
        population_vintage=MYE_VINTAGE,
        blocks_key=key,
        did="Unions of lsoa11 rows (coverage union), populations summed.",
    )


def describe_lsc(
    lsoa11: gpd.GeoDataFrame,
    lsoa11_repaired: int,
    lsoa21: gpd.GeoDataFrame,
    lsoa21_repaired: int,
    lsoa21_published: CoverageValidity,
    units: dict[str, gpd.GeoDataFrame],
    practices: gpd.GeoDataFrame,
    pchecks: dict[str, int],
) -> list[Layer]:
    """Catalogue descriptions of the L&SC layers."""
    icb_lsoas = int(lsoa11["ICB22CD"].notna().sum())
    return [
        Layer(
            id="lsoa11",
            title="LSOA 2011, Lancashire and South Cumbria study area (21 districts)",
            region="lsc",
            code="LSOA11CD",
            name="LSOA11NM",
            kind="lsoa",
            vintage=f"LSOA December 2011 boundaries (super generalised, simplified); LAD December 2021 and CCG "
            f"April 2021 lookups; population {MYE_VINTAGE}",
            publisher="Office for National Statistics",
            sources=LSOA11_SOURCES,
            built_from="ons-boundaries-national-geographr/lsoa11.geojson filtered to the LSOAs of "
            "lsoa-population-mye2020/population20_lsoa11_lsc_syoa.csv, joined to the LAD21 and CCG21 "
            "lookups and the mid-2020 single-year-of-age estimates (summed into three bands), and to the "
            "IMD 2019 decile and rank (imd-england/imd2019_lsoa11_England.csv: IMD19_DECILE, IMD19_RANK, "
            "1 = most deprived of 32,844; the file has no scores).",
            notes=(
                "Geometry source decision: the geographr super generalised LSOA 2011 layer (ONS BSC, then "
                "topology-preserving simplification) is used because the BGC file in lsoa11-bgc-lsc lacks 211 of "
                "the 1,294 LSOAs (Carlisle, Allerdale, Eden, most of Copeland and Craven) and its L&SC LSOAs do not "
                "form a valid coverage; these 1,294 tile exactly. Coarse (~9 vertices per LSOA): good for "
                "aggregation and nesting, not for precise coastlines. "
                f"{coverage_validity(lsoa11.geometry.values).describe()}. {repaired_note(lsoa11_repaired)} "
                f"CCG21CD/CCG21NM/ICB22CD are null for the {len(lsoa11) - icb_lsoas} LSOAs outside the "
                f"{icb_lsoas:,} L&SC LSOAs (Carlisle, Allerdale, Eden, most of Copeland and Craven). CTYUA21 is the "
                "county for two-tier districts (Craven -> North Yorkshire E10000023) and the district itself for "
                "unitaries."
            ),
            gdf=lsoa11,
            population="POP2020",
            population_vintage=MYE_VINTAGE,
            did="Filtered to 1,294 LSOAs, reprojected, joined lookups and population, age bands summed.",
            exactness="published",
        ),
        Layer(
            id="lsoa21",
            title="LSOA 2021, Lancashire and South Cumbria study area (21 districts)",
            region="lsc",
            code="LSOA21CD",
            name="LSOA21NM",
            kind="lsoa",
            vintage="LSOA December 2021 boundaries (BGC, 20 m generalised, clipped); LAD 2022 lookup; population "
            "Census 2021 (21 March 2021) usual residents",
            publisher="Office for National Statistics",
            sources=("lsoa21_geom", "lsoa11_lsoa21", "census21_ages"),
            built_from="lsoa21-bgc-england/lsoa21_bgc_england.gpkg filtered to the LSOA21 whose LAD22 in "
            "lsoa-lad-lookups/lookup_lsoa11_lsoa21_ltla22_EW.csv is one of the 21 districts, joined to "
            "the Census 2021 age groups (lsoa21-population-census2021).",
            notes=(
                f"{coverage_notes(lsoa21_published, lsoa21_repaired, lsoa21)} The repaired one, E01019228 "
                "(Carlisle 001C), carried a copy of its enclave neighbour E01019227 as a nested shell; make_valid "
                "turns it into a hole. Independent BGC generalisation: edges do not coincide with lsoa11 or "
                "with the LSOA11-built districts. POP2021 = sum of the six Census age groups; checked against the "
                "England and Wales totals file."
            ),
            gdf=lsoa21,
            population="POP2021",
            population_vintage="Census 2021 (21 March 2021), usual residents",
            did="Filtered to 1,297 LSOAs, reprojected, 1 invalid geometry repaired, Census age groups pivoted.",
            exactness="published",
        ),
        lsc_derived_layer(
            "lad21",
            "Local authority districts (December 2021), L&SC study area",
            "lad",
            "LAD21CD",
            units["lad21"],
            "LAD December 2021 membership (ONS LSOA11 -> LAD21 lookup)",
            "Edges differ from the ONS LAD BGC product (independent generalisation).",
        ),
        lsc_derived_layer(
            "ctyua21",
            "Counties and unitary authorities (2021), L&SC study area",
            "ctyua",
            "CTYUA21CD",
            units["ctyua21"],
            "Upper tier 2021 (Lancashire, Cumbria, Blackpool, Blackburn with Darwen, North Yorkshire's Craven part)",
            "E10000023 is only Craven, so it is named 'North Yorkshire (Craven part)'; in lsoa11 and "
            "lad21 the county is named 'North Yorkshire'. Cumbria is pre-2023 (six districts).",
        ),
        lsc_derived_layer(
            "ccg21",
            "Clinical commissioning groups (April 2021), Lancashire and South Cumbria",
            "ccg",
            "CCG21CD",
            units["ccg21"],
            "CCG April 2021 (ONS LSOA11 -> CCG21 lookup)",
            "The 8 CCG codes live on as the L&SC sub-ICB locations (E38...).",
        ),
        lsc_derived_layer(
            "icb",
            "Lancashire and South Cumbria ICB footprint",
            "icb",
            "ICB22CD",
            units["icb"],
            "ICB July 2022 footprint = STP April 2021 E54000048 (union of its CCGs)",
            "Not a union of whole districts: it takes all of 16 districts plus some LSOAs of Copeland and Craven.",
        ),
        Layer(
            id="practices",
            title="GP practices, Lancashire and South Cumbria (October 2025)",
            region="lsc",
            code="PRACTICE_CODE",
            name="PRACTICE_NAME",
            kind="practice",
            vintage="PCN membership October 2025 (NHS England); locations early 2024 postcodes geocoded with "
            "ONSPD; list size May 2022 (NHS Digital)",
            publisher="NHS England / NHS Digital; ONS Postcode Directory",
            sources=("pcn_map_2025", "list_size_2022", "practice_geocoded"),
            built_from="pcn-membership-2025-10 (practice -> PCN -> sub-ICB, Oct 2025) joined by practice code to "
            "practice-pcn-geocoded-2024 (PRAC_LAT/PRAC_LNG, PRAC_LSOA11) and gp-list-size-2022-05 "
            "(NUMBER_OF_PATIENTS); points projected from WGS84 to EPSG:27700.",
            notes=(
                f"{pchecks['postcode_moved']} practices changed postcode between early 2024 and Oct 2025 "
                "(POSTCODE_MOVED true: A82650, P81166, P81711, P81726, Y02605); their points are at the old "
                "postcode (LOCATION_POSTCODE). LSOA11CD is ONSPD's LSOA of the location postcode; "
                f"{pchecks['lsoa_differs']} points fall in a different polygon of the super generalised lsoa11 "
                f"layer, {pchecks['outside_icb']} fall outside the icb footprint polygon. Y05788 Compass Medical "
                "Practice has PCN_CODE 'U' (Unallocated). SUB_ICB_CODE is the practice's sub-ICB (former CCG), "
                "not the CCG of the LSOA it sits in (4 South Ribble practices belong to the other CCG). List "
                "sizes are May 2022, the newest public copy found."
            ),
            gdf=practices,
            population="LIST_SIZE_2022_05",
            population_vintage="GP registered patients, May 2022 (NHS Digital)",
            did="Joined three practice tables by code, points reprojected, POSTCODE_MOVED flagged.",
            exactness="published",
        ),
    ]


ENGLAND_SPECS: list[dict[str, Any]] = [
    {
        "id": "published/lad21",
        "key": "lad21_bgc",
        "code": "LAD21CD",
        "name": "LAD21NM",
        "kind": "lad",
        "title": "Local authority districts (December 2021), England",
        "vintage": "LAD December 2021 (BGC, 20 m generalised, clipped; 2022 re-issue)",
        "notes": "Decoded from quantised TopoJSON by the source folder's author; quantisation left "
        "self-intersecting rings, and both as published and after repair some shared edges do not match "
        "vertex for vertex. Pre-2023 Cumbria districts and Craven exist.",
    },
    {
        "id": "published/lad24",
        "key": "lad24_bsc",
        "code": "LAD24CD",
        "name": "LAD24NM",
        "kind": "lad",
        "title": "Local authority districts (May 2024), England",
        "vintage": "LAD May 2024 (BSC, 200 m super generalised, clipped)",
        "notes": "Post-2023: Cumberland E06000063, Westmorland and Furness E06000064, North Yorkshire E06000065.",
    },
    {
        "id": "published/ctyua21",
        "key": "utla21",
        "code": "CTYUA21CD",
        "name": "CTYUA21NM",
        "kind": "ctyua",
        "rename": {"utla21_code": "CTYUA21CD", "utla21_name": "CTYUA21NM"},
        "title": "Counties and unitary authorities (2021), England",
        "vintage": "Upper tier 2021 (ONS ultra generalised, via geographr)",
        "notes": "Renamed from geographr's utla21_code/utla21_name. Very coarse.",
    },
    {
        "id": "published/ccg21",
        "key": "ccg21_bsc",
        "code": "CCG21CD",
        "name": "CCG21NM",
        "kind": "ccg",
        "title": "Clinical commissioning groups (April 2021), England",
        "vintage": "CCG April 2021 (ONS BSC_100M, ~100 m generalised)",
        "notes": "Against the LSOA-built L&SC CCGs the symmetric difference is 0.5-1.4 % of area (Morecambe Bay "
        "coast largest); use the lsc ccg21 layer for exact nesting.",
    },
    {
        "id": "published/icb22",
        "key": "icb22",
        "code": "ICB22CD",
        "name": "ICB22NM",
        "kind": "icb",
        "rename": {"icb22_code": "ICB22CD", "icb22_name": "ICB22NM"},
        "title": "Integrated care boards (July 2022), England",
        "vintage": "ICB July 2022 (BUC, ultra generalised, via geographr)",
        "notes": "Renamed from geographr's icb22_code/icb22_name. About 16 vertices per ICB: for maps only.",
    },
    {
        "id": "published/icb23",
        "key": "icb23_bsc",
        "code": "ICB23CD",
        "name": "ICB23NM",
        "kind": "icb",
        "title": "Integrated care boards (April 2023), England",
        "vintage": "ICB April 2023 (BSC, 200 m super generalised, clipped)",
        "notes": "LSOA21-built by ONS but generalised separately from any LSOA layer.",
    },
    {
        "id": "published/sicbl23",
        "key": "sicbl23_bsc",
        "code": "SICBL23CD",
        "name": "SICBL23NM",
        "kind": "sicbl",
        "title": "Sub-ICB locations (April 2023), England",
        "vintage": "Sub-ICB locations April 2023 (BSC, 200 m super generalised, clipped)",
        "notes": "L&SC sub-ICB locations keep the old CCG codes (E38...), named 'NHS Lancashire and South Cumbria "
        "ICB - 00Q' etc.",
    },
]


PUBLISHED_CAVEAT = (
    "{id} is a separately generalised publication: its edges disagree with other layers by tens to hundreds of "
    "metres; use {exact} for exact answers."
)


def published_caveat(layer_id: str) -> str:
    """The caveat printed wherever a ``published/*`` layer is used."""
    exact = {"published/icb23": "england/icb24", "published/sicbl23": "england/sicbl24"}
    return PUBLISHED_CAVEAT.format(id=layer_id, exact=exact.get(layer_id, layer_id.replace("published/", "england/")))


def build_published(sources: Path) -> list[Layer]:
    """Build and describe the separately generalised national layers (``published/*``)."""
    layers = []
    for spec in ENGLAND_SPECS:
        gdf, repaired, published = england_polygons(
            sources, spec["key"], spec["code"], spec["name"], spec.get("rename")
        )
        src = SOURCES[spec["key"]]
        layers.append(
            Layer(
                id=spec["id"],
                title=spec["title"],
                region="england",
                code=spec["code"],
                name=spec["name"],
                kind=spec["kind"],
                vintage=spec["vintage"],
                publisher="Office for National Statistics",
                sources=(spec["key"],),
                built_from=f"{src.path}: English codes (E...) kept with code and name columns, reprojected to "
                "EPSG:27700, invalid geometries repaired.",
                notes=f"{coverage_notes(published, repaired, gdf)} {spec['notes']}",
                gdf=gdf,
                did=f"England only, reprojected, {repaired} repaired.",
                exactness="published",
                caveat=published_caveat(spec["id"]),
            )
        )
    return layers


# --------------------------------------------------------------------------------------------------
# README and licence files
# --------------------------------------------------------------------------------------------------


def human_size(path: Path) -> str:
    """File size in KB/MB."""
    size = path.stat().st_size
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} KB"


def render_readme(layers: list[Layer], out: Path) -> str:
    """The provenance README for data/boundaries."""
    lines = [
        "# Bundled boundaries",
        "",
        "Generated by `scripts/build_boundaries.py` -- do not edit by hand. Rebuild with `make data` (or",
        "`python scripts/build_boundaries.py --sources ../shared/data/sources --out data/boundaries`). The",
        "build reads only the source folders named below, is deterministic (rows sorted by code, GeoPackage",
        "timestamps pinned) and writes each file to a temporary name before moving it into place.",
        "",
        "All layers are EPSG:27700 (British National Grid), one layer per GeoPackage named after the file,",
        "polygons as valid MultiPolygons. `catalogue.yaml` lists every layer with its code/name/population",
        "columns, vintage, licence line and notes. Licences: see `LICENCE-DATA.md`.",
        "",
        "## Layers",
        "",
        "| id | file | features | size | what the script did |",
        "|---|---|---:|---:|---|",
    ]
    for layer in layers:
        lines.append(
            f"| `{layer.id}` | `{layer.file}` | {len(layer.gdf):,} | {human_size(out / layer.file)} | {layer.did} |"
        )
    lines += [
        "",
        "## Geometry source of `lsoa11` (decision)",
        "",
        "The L&SC layers are built on one LSOA 2011 coverage so that districts, counties, CCGs and the ICB",
        "nest exactly. The geometry is geographr's copy of the ONS super generalised LSOA (December 2011)",
        "layer, simplified with a topology-preserving method (`ons-boundaries-national-geographr/lsoa11.geojson`).",
        "The finer BGC file in `lsoa11-bgc-lsc` was not used: it lacks 211 of the 1,294 LSOAs (Carlisle 68,",
        "Allerdale 58, Copeland 39, Eden 29, Craven 17) and its 1,083 L&SC-area LSOAs are not a valid coverage",
        "(47 of them have invalid edges; measured when the decision was made). The 1,294 geographr",
        "polygons pass `shapely.coverage_is_valid`, and so does every layer built from them. The price is",
        "coarse shapes (~9 vertices per LSOA): fine for aggregation, shares and nesting; not for coastlines.",
        "",
        "## Provenance per layer",
        "",
    ]
    for layer in layers:
        lines += [f"### `{layer.id}` -- {layer.title}", "", f"- Built from: {layer.built_from}"]
        if layer.blocks_key:
            lines.append("- Sources: those of `lsoa11` (carriers and commits listed there).")
        else:
            for key in layer.sources:
                src = SOURCES[key]
                lines.append(f"- `{src.path}`: carrier {src.carrier}; original publisher {src.publisher}.")
        licence = licence_of(*layer.sources).replace("\n", " / ")
        lines += [f"- Licence: {licence}", f"- Vintage: {layer.vintage}", f"- Notes: {layer.notes}", ""]
    lines += [
        "## Known caveats",
        "",
        "- `lsoa11` is super generalised: practice points near boundaries can fall in a neighbouring LSOA",
        "  polygon, and coastal areas are approximate. Its edges do not coincide with `lsoa21` (BGC) or with",
        "  any `published/*` layer (each ONS product is generalised separately), so overlays give slivers.",
        "- The L&SC study area is 21 districts (Lancashire's 12, Blackpool, Blackburn with Darwen, Cumbria's",
        "  six, Craven), wider than the ICB: `CCG21CD`/`ICB22CD` are null outside the ICB's 1,058 LSOAs.",
        "- Cumbria and its districts are pre-2023 (replaced by Cumberland and Westmorland and Furness in",
        "  April 2023); `england/lad24`, `england/ctyua24` and the 2023/2024 NHS layers use the new geography.",
        "- Practice locations are early-2024 postcodes (five practices have moved since; see",
        "  `POSTCODE_MOVED`); list sizes are May 2022, the newest public copy found.",
        "- `published/lad21` had 94 invalid geometries (TopoJSON quantisation), repaired with `make_valid`;",
        "  neither as published nor after repair is it a valid coverage. Repair counts and coverage results",
        "  for every layer are in `catalogue.yaml` (`notes`).",
        "- Polygon parts under 1 m² (specks left by generalisation and repair, e.g. 6 in `lsoa21`, 58 in",
        "  `england/lsoa21`, see below) are dropped from multi-part features; no feature loses its last part, and the",
        "  coverage checks above are run after the drop.",
        "- The L&SC ICB is not a union of whole districts: besides 16 whole districts it holds 6 Copeland",
        "  and 3 Craven LSOAs (Morecambe Bay CCG), 14,537 people in mid-2020.",
        "- `practices.SUB_ICB_CODE` is the practice's own sub-ICB; four South Ribble practices sit in",
        "  LSOAs of the other CCG. 29 practice points fall in a different `lsoa11` polygon than their ONSPD",
        "  LSOA (`LSOA11CD`), because `lsoa11` is super generalised.",
        "",
    ]
    return "\n".join(lines)


LICENCE_TEXT = """# Data licences

All files under `data/boundaries/` are derived from open data published under the
[Open Government Licence v3.0](https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/).
When you reuse them, include the attribution lines below (the per-layer lines are in `catalogue.yaml`).

## Office for National Statistics and Ordnance Survey (boundaries, lookups, populations)

Every file except the two below: `lsc/*.gpkg`, `published/*.gpkg` and `england/lsoa21.parquet` (LSOA 2021
boundaries, the LSOA 2021 lookups to districts, counties, CCGs, sub-ICB locations, ICBs and wards, Census 2021).

Source: Office for National Statistics licensed under the Open Government Licence v.3.0.
Contains OS data © Crown copyright and database right 2021.
Contains OS data © Crown copyright and database right 2022.
Contains OS data © Crown copyright and database right 2023.
Contains OS data © Crown copyright and database right 2024.

## Ministry of Housing, Communities and Local Government (IMD 2025 and IMD 2019)

Contains public sector information licensed under the Open Government Licence v3.0. Source: MHCLG,
English indices of deprivation 2025 (`england/lsoa21.parquet`).
Contains public sector information licensed under the Open Government Licence v3.0. Source: MHCLG,
English indices of deprivation 2019 (IMD19_DECILE, IMD19_RANK in `lsc/lsoa11.gpkg`).

## NHS England / NHS Digital (GP practice membership and list sizes)

Contains public sector information licensed under the Open Government Licence v3.0. Source: NHS England.
Contains public sector information licensed under the Open Government Licence v3.0. Source: NHS Digital.

## ONS Postcode Directory (practice coordinates in `lsc/practices.gpkg`)

Contains public sector information licensed under the Open Government Licence v3.0. Source: NHS England/NHS
Digital; Office for National Statistics licensed under the Open Government Licence v3.0. Contains OS data ©
Crown copyright and database right; Contains Royal Mail data © Royal Mail copyright and database right.

## Note on the carriers

The files were taken from public GitHub repositories that re-publish these datasets (listed per layer in
`README.md`); the repositories' own code licences do not apply to the data. The build script itself is
part of placegeo and MIT-licensed.
"""


# --------------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------------


def build_lsc(sources: Path) -> tuple[list[Layer], list[str]]:
    """Build, verify and describe the L&SC layers; also return the verification report lines."""
    lsoa11, lsoa11_repaired = build_lsoa11(sources)
    lsoa21, lsoa21_repaired, lsoa21_published = build_lsoa21(sources)
    units = {
        "lad21": build_lad21(lsoa11),
        "ctyua21": build_ctyua21(lsoa11),
        "ccg21": build_ccg21(lsoa11),
        "icb": build_icb(lsoa11),
    }
    keys = {"lad21": "LAD21CD", "ctyua21": "CTYUA21CD", "ccg21": "CCG21CD", "icb": "ICB22CD"}
    report = [
        f"coverage lsoa11: {coverage_validity(lsoa11.geometry.values).valid}",
        f"coverage lsoa21: as published {lsoa21_published.valid} "
        f"({lsoa21_published.features_with_invalid_edges} features with invalid edges), "
        f"after repair {coverage_validity(lsoa21.geometry.values).valid}",
    ]
    for lid, gdf in units.items():
        cov = coverage_validity(gdf.geometry.values)
        if not cov.valid:
            raise BuildError(f"{lid} is not a valid coverage: {cov.describe()}")
        check_nesting(lsoa11, gdf, keys[lid])
        report.append(f"coverage {lid}: True; nests in lsoa11: True")
    check_within(units["lad21"], "LAD21CD", units["ctyua21"], "CTYUA21CD", DISTRICT_COUNTY.__getitem__)
    check_within(units["ccg21"], "CCG21CD", units["icb"], "ICB22CD", lambda _code: ICB_CODE)
    report.append("districts within counties, CCGs within ICB: True")
    report.append(
        f"four places (16 districts) POP2020 = {check_place_population(units['lad21']):,} (expected "
        f"{PLACE_POPULATION_2020:,})"
    )
    for code, name, pop in units["ccg21"][["CCG21CD", "CCG21NM", "POP2020"]].itertuples(index=False):
        report.append(f"  {code} {name}: {pop:,}")
    report.append(
        f"ICB POP2020 = {int(units['icb']['POP2020'].iloc[0]):,}, area "
        f"{units['icb'].geometry.area.iloc[0] / 1e6:,.0f} km2"
    )
    practices = build_practices(sources)
    pchecks = practice_checks(practices, lsoa11, units["icb"])
    report.append(f"practices: {len(practices)}; {pchecks}")
    layers = describe_lsc(lsoa11, lsoa11_repaired, lsoa21, lsoa21_repaired, lsoa21_published, units, practices, pchecks)
    return layers, report


def write_all(layers: list[Layer], out: Path) -> None:
    """Write every layer, the catalogue, the README and the licence file."""
    for layer in layers:
        geometry_type = "Point" if layer.geometry == "point" else "MultiPolygon"
        write_geopackage(layer.gdf, out / layer.file, layer.layer, force=True, geometry_type=geometry_type,
                         timestamp=PINNED_TIMESTAMP)
    catalogue = {
        "crs": CRS,
        "default_population_layer": {"lsc": "lsoa11", "england": "england/lsoa21"},
        "layers": [entry_record(layer.catalogue_entry()) for layer in layers],
    }
    header = "# Generated by scripts/build_boundaries.py -- do not edit by hand.\n"
    write_text(out / "catalogue.yaml", header + catalogue_yaml(catalogue), force=True)
    write_text(out / "README.md", render_readme(layers, out), force=True)
    write_text(out / "LICENCE-DATA.md", LICENCE_TEXT, force=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sources",
        type=Path,
        default=DEFAULT_SOURCES,
        help="folder of source folders (default: ../shared/data/sources from the repo root)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: data/boundaries)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Build everything and print a short summary."""
    args = parse_args(argv)
    start = time.perf_counter()
    try:
        check_sources(args.sources)
        lsc_layers, report = build_lsc(args.sources)
        layers = lsc_layers + build_published(args.sources)
        write_all(layers, args.out)
    except (BuildError, PlacegeoError) as exc:
        print(f"build_boundaries: error: {exc}", file=sys.stderr)
        return 1
    for layer in layers:
        print(f"{layer.id:<17} {len(layer.gdf):>6,} features  {human_size(args.out / layer.file):>8}  {layer.file}")
    print("\n".join(report))
    print(
        f"wrote {len(layers)} layers + catalogue.yaml, README.md, LICENCE-DATA.md to {args.out} "
        f"in {time.perf_counter() - start:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
