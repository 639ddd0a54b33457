"""Build PCN footprints: give every block of a footprint to one PCN, then union each PCN's blocks.

The result tiles the footprint exactly (PCNs nest in the same blocks as districts and CCGs), states the
membership vintage, and, when a registrations file is given, how often each method agrees with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from placegeo.errors import InputError, UsageError
from placegeo.pcn import assign
from placegeo.pcn.sources import Membership, Registrations

if TYPE_CHECKING:
    import geopandas as gpd

    from placegeo.layers import Layer

METHODS = ("registrations", "nearest", "catchment")
WEIGHTS = ("none", "list-size", "gravity", "auto")
UNALLOCATED = "U"  # NHS England's PCN_CODE for practices in no PCN


def split_unallocated(membership: Membership) -> tuple[Membership, list[str]]:
    """The membership without 'Unallocated' practices (PCN_CODE U), and their codes.

    An unallocated practice is in no PCN, so it gets no footprint of its own and does not pull blocks: the
    area round it goes to the neighbouring PCNs, and its point lies inside one of them.
    """
    frame = membership.frame
    mask = (frame.PCN_CODE == UNALLOCATED) | frame.PCN_NAME.str.lower().str.startswith("unallocated")
    kept = Membership(frame[~mask].reset_index(drop=True), membership.vintage, membership.path)
    return kept, sorted(frame.PRACTICE_CODE[mask])


@dataclass
class PcnBuild:
    """A built PCN layer and everything needed to judge it."""

    frame: gpd.GeoDataFrame  # one row per PCN
    lookup: pd.DataFrame  # <block code>, PCN_CODE, RULE
    membership: Membership
    method: str
    block_code: str
    shares: pd.DataFrame | None = None  # registered shares per (block, PCN) where registrations cover a block
    agreement: dict[str, dict] = field(default_factory=dict)  # method label -> figures
    practices: pd.DataFrame | None = None  # practices not inside their own PCN's footprint, and why
    notes: list[str] = field(default_factory=list)


def footprint_blocks(blocks: Layer, footprint: str | Path | None) -> gpd.GeoDataFrame:
    """The blocks to assign, indexed by block code: those inside ``footprint`` (a layer), or by default those
    with ICB22CD set (the bundled L&SC ICB), or all blocks when the layer has no ICB22CD column."""
    import shapely

    frame = blocks.frame.set_index(blocks.frame[blocks.code].astype(str), drop=False)
    if footprint is None:
        return frame[frame["ICB22CD"].notna()] if "ICB22CD" in frame.columns else frame
    from placegeo.layers import load_layer

    area = shapely.union_all(load_layer(footprint).frame.geometry.to_numpy())
    inside = shapely.contains_xy(area, *shapely.get_coordinates(frame.geometry.representative_point().to_numpy()).T)
    if not inside.any():
        raise UsageError(f"no block of {blocks.id} lies inside the footprint {footprint}")
    return frame[inside]


def locate(membership: Membership, located: gpd.GeoDataFrame, list_sizes: pd.Series | None,
           source: str) -> assign.Practices:
    """Every membership practice with its location and list size; one error line if any has no location."""

    points = located.assign(X=located.geometry.x, Y=located.geometry.y).drop(columns=located.geometry.name)
    table = membership.frame.merge(pd.DataFrame(points), on="PRACTICE_CODE", how="left")
    missing = table.PRACTICE_CODE[table.X.isna()].tolist()
    if missing:
        raise InputError(f"{len(missing)} practice(s) of the membership have no location (first: {missing[0]})",
                         path=source, hint="give a locations file that covers every practice")
    size = np.full(len(table), np.nan)
    if list_sizes is not None:
        size = table.PRACTICE_CODE.map(list_sizes).to_numpy(dtype=float)
    elif "LIST_SIZE" in table.columns:
        size = table.LIST_SIZE.to_numpy(dtype=float)
    xy = table[["X", "Y"]].to_numpy(dtype=float)
    return assign.Practices(table.PRACTICE_CODE.to_numpy(), table.PCN_CODE.to_numpy(), xy, size)


def block_points(blocks: gpd.GeoDataFrame) -> np.ndarray:
    """Where a block is, for distances: its centroid (EPSG:27700)."""
    centroids = blocks.geometry.centroid
    return np.column_stack([centroids.x.to_numpy(), centroids.y.to_numpy()])


def assign_blocks(method: str, blocks: gpd.GeoDataFrame, practices: assign.Practices, *, weight: str = "none",
                  registrations: Registrations | None = None, catchments: Layer | None = None,
                  population: pd.Series | None = None, pcn_of: dict[str, str] | None = None) -> assign.Assignment:
    """Give each block to a PCN by ``method`` (registrations fall back to nearest where the file is silent)."""
    points = block_points(blocks)
    if weight != "none" and not np.isfinite(practices.size).any():
        raise UsageError(f"--weight {weight} needs list sizes", hint="pass --list-sizes or a LIST_SIZE column")
    if method == "catchment":
        if catchments is None:
            raise UsageError("--method catchment needs --catchments FILE")
        return assign.by_catchment(blocks, points, catchments.frame, catchments.code, practices, weight)
    label = nearest_label(weight)
    nearest = pd.Series(assign.nearest_pcn(points, practices, weight=weight), index=blocks.index)
    if method == "nearest":
        return assign.Assignment(nearest, pd.Series(label, index=blocks.index))
    if registrations is None:
        raise UsageError("--method registrations needs --registrations FILE")
    covered = sorted(assign.covered_blocks(registrations.frame, population) & set(blocks.index))
    shares = assign.registration_shares(registrations.frame, pcn_of, covered)
    modal = assign.modal_pcn(shares)
    pcn = nearest.copy()
    pcn.loc[modal.index] = modal
    rule = pd.Series(label, index=blocks.index)
    rule.loc[modal.index] = "registrations"
    notes = []
    if len(modal) < len(blocks):
        notes.append(f"registrations cover {len(modal)} of {len(blocks)} blocks; the rest were assigned by {label}")
    return assign.Assignment(pcn, rule, shares=shares, notes=notes)


def agreement(assigned: pd.Series, reference: pd.Series, population: pd.Series | None) -> dict:
    """How many of the reference blocks (and how much of their population) ``assigned`` gives the same PCN."""
    same = assigned.reindex(reference.index) == reference
    out = {"lsoas": int(len(reference)), "lsoas_same": int(same.sum()),
           "lsoa_share": round(float(same.mean()), 4) if len(reference) else None}
    if population is not None:
        pop = population.reindex(reference.index).fillna(0)
        out.update(population=int(pop.sum()), population_same=int(pop[same].sum()),
                   population_share=round(float(pop[same].sum() / pop.sum()), 4) if pop.sum() else None)
    return out


def compare_methods(blocks, practices, reference: pd.Series, population, catchments: Layer | None) -> dict[str, dict]:
    """Agreement of every method (and weighting) with ``reference``, the registrations' modal PCN of each block
    they cover."""
    results = {}
    runs = [("nearest", "none"), ("nearest", "list-size"), ("nearest", "gravity"), ("catchment", "none"),
            ("catchment", "gravity")]
    for method, weight in runs:
        if method == "catchment" and catchments is None:
            continue
        if weight != "none" and not np.isfinite(practices.size).any():
            continue
        got = assign_blocks(method, blocks, practices, weight=weight, catchments=catchments)
        label = method_label(method, weight)
        results[label] = agreement(got.pcn, reference, population)
    return results


def union_by_pcn(blocks: gpd.GeoDataFrame, pcn: pd.Series) -> dict[str, object]:
    """PCN code -> union of its blocks (coverage union: exact and fast when the blocks are a clean coverage)."""
    import shapely
    from shapely.errors import GEOSException

    out = {}
    for code, members in pcn.groupby(pcn):
        geoms = blocks.geometry.loc[members.index].to_numpy()
        try:
            out[code] = shapely.coverage_union_all(geoms)
        except GEOSException:  # blocks not exactly noded (e.g. reprojected BGC edges): overlay union
            out[code] = shapely.union_all(geoms)
    return out


def build_pcns(membership: Membership, located: gpd.GeoDataFrame, blocks: Layer, *, method: str = "nearest",
               weight: str = "none", registrations: Registrations | None = None,
               catchments: Layer | None = None, footprint: str | Path | None = None,
               list_sizes: pd.Series | None = None, locations_source: str = "") -> PcnBuild:
    """Assign every footprint block to a PCN by ``method`` and union the blocks into one polygon per PCN."""
    import geopandas as gpd

    if method not in METHODS:
        raise UsageError(f"unknown method '{method}'", hint=f"use one of {', '.join(METHODS)}")
    if weight not in WEIGHTS:
        raise UsageError(f"unknown weight '{weight}'", hint=f"use one of {', '.join(WEIGHTS)}")
    frame = footprint_blocks(blocks, footprint)
    full = membership
    membership, unallocated = split_unallocated(membership)
    practices = locate(membership, located, list_sizes, locations_source)
    if weight == "auto":
        weight = "gravity" if np.isfinite(practices.size).any() else "none"
    population = frame[blocks.population].astype(float) if blocks.population else None
    pcn_of = membership.pcn_of
    got = assign_blocks(method, frame, practices, weight=weight, registrations=registrations,
                        catchments=catchments, population=population, pcn_of=pcn_of)
    notes = list(got.notes)
    if unallocated:
        notes.append(f"{len(unallocated)} unallocated practice(s) (PCN_CODE U) have no PCN and no footprint of their "
                     f"own; their area went to neighbouring PCNs: {', '.join(unallocated)}")
    if located.attrs.get("unlocated"):
        notes.append(f"{len(located.attrs['unlocated'])} practice(s) in the locations file have no coordinates")
    agree = {}
    if registrations is not None:
        covered = sorted(assign.covered_blocks(registrations.frame, population) & set(frame.index))
        shares = got.shares if got.shares is not None else assign.registration_shares(registrations.frame, pcn_of,
                                                                                       covered)
        agree = compare_methods(frame, practices, assign.modal_pcn(shares), population, catchments)
        notes += registration_notes(registrations, membership, covered)
    geoms = union_by_pcn(frame, got.pcn)
    empty = sorted(set(membership.frame.PCN_CODE) - set(geoms))
    if empty:
        notes.append(f"{len(empty)} PCN(s) got no block and have no footprint: {', '.join(empty)}")
    label = method_label(method, weight)
    rows = pcn_rows(membership, practices, got, population, blocks.population)
    out = gpd.GeoDataFrame(rows, geometry=[geoms[c] for c in rows.PCN_CODE], crs="EPSG:27700")
    lookup = pd.DataFrame({blocks.code: got.pcn.index, "PCN_CODE": got.pcn.to_numpy(), "RULE": got.rule.to_numpy()})
    report = practice_report(frame, locate(full, located, list_sizes, locations_source), got.pcn)
    return PcnBuild(out, lookup, full, label, blocks.code, got.shares, agree, report, notes)


def nearest_label(weight: str) -> str:
    return {"none": "nearest", "list-size": "nearest-list-size", "gravity": "nearest-gravity"}[weight]


def method_label(method: str, weight: str) -> str:
    """How the blocks were assigned, as written in the METHOD column (e.g. 'registrations+nearest-gravity')."""
    nearest = nearest_label(weight)
    labels = {"registrations": f"registrations+{nearest}", "nearest": nearest, "catchment": f"catchment+{nearest}"}
    return labels[method]


def pcn_rows(membership: Membership, practices: assign.Practices, got: assign.Assignment,
             population: pd.Series | None, pop_column: str | None) -> pd.DataFrame:
    """One attribute row per PCN that got at least one block; METHOD lists the rules that gave its blocks."""
    pcn = got.pcn
    table = pd.DataFrame({"PRACTICE_CODE": practices.code, "PCN_CODE": practices.pcn, "SIZE": practices.size})
    groups = table.groupby("PCN_CODE")
    counts = pcn.value_counts()
    rows = pd.DataFrame({"PCN_CODE": sorted(counts.index)})
    rows["PCN_NAME"] = rows.PCN_CODE.map(membership.pcn_names)
    rows["practices"] = rows.PCN_CODE.map(groups.PRACTICE_CODE.agg(lambda s: ",".join(sorted(s))))
    rows["PRACTICE_COUNT"] = rows.PCN_CODE.map(groups.size()).astype(int)
    sizes = groups.SIZE.agg(lambda s: s.sum() if s.notna().all() else np.nan)
    rows["LIST_SIZE"] = rows.PCN_CODE.map(sizes).astype("Int64")
    if population is not None:
        rows[pop_column] = rows.PCN_CODE.map(population.groupby(pcn).sum()).round().astype("int64")
    rows["LSOA_COUNT"] = rows.PCN_CODE.map(counts).astype(int)
    rules = got.rule.groupby(pcn).agg(lambda r: "+".join(r.value_counts().index))
    rows["METHOD"] = rows.PCN_CODE.map(rules)
    rows["MEMBERSHIP_VINTAGE"] = membership.vintage
    return rows


def practice_report(blocks: gpd.GeoDataFrame, practices: assign.Practices, pcn: pd.Series) -> pd.DataFrame:
    """Practices whose point is outside the footprint, or in a block given to another PCN."""
    import shapely

    tree = shapely.STRtree(blocks.geometry.to_numpy())
    points = shapely.points(practices.xy)
    where, hit = tree.query(points, predicate="within")
    block = pd.Series(blocks.index.to_numpy()[hit], index=where).groupby(level=0).first()
    rows = []
    for i, code in enumerate(practices.code):
        if i not in block.index:
            rows.append((code, practices.pcn[i], None, None, "outside the footprint"))
        elif pcn[block[i]] != practices.pcn[i]:
            rows.append((code, practices.pcn[i], block[i], pcn[block[i]], "its block went to another PCN"))
    return pd.DataFrame(rows, columns=["PRACTICE_CODE", "PCN_CODE", "BLOCK", "BLOCK_PCN", "WHY"])


def registration_notes(registrations: Registrations, membership: Membership, covered: list[str]) -> list[str]:
    """What the registrations comparison rests on: vintages, coverage of the ``covered`` blocks, patients of
    unmapped practices."""
    rows = registrations.frame[registrations.frame.LSOA_CODE.isin(covered)]
    mapped = rows.PRACTICE_CODE.isin(set(membership.frame.PRACTICE_CODE))
    share = rows.PATIENTS[mapped].sum() / rows.PATIENTS.sum() if len(rows) else 0.0
    return [f"registrations {registrations.vintage or 'of unknown date'} cover {len(covered)} blocks; practices were "
            f"mapped to PCNs by the {membership.vintage or 'given'} membership, which holds {share:.1%} of their "
            f"registered patients (the rest are at practices since closed or merged, or outside the membership)"]


def write_pcns(build: PcnBuild, out: str | Path, *, force: bool = False, lookup: str | Path | None = None) -> Path:
    """Write the PCN layer (GeoPackage layer ``pcn``, or any format by suffix) and optionally the block lookup."""
    from placegeo.io import atomic_files, write_csv

    out = Path(out)
    if out.suffix.lower() not in (".gpkg", ".geojson", ".json", ".parquet"):
        raise UsageError(f"cannot write '{out.suffix}' files", hint="use .gpkg, .geojson or .parquet")
    targets = [out] + ([Path(lookup)] if lookup is not None else [])
    with atomic_files(targets, force=force) as tmps:  # the layer and its lookup appear together or not at all
        tmp = tmps[0]
        if out.suffix.lower() == ".gpkg":
            build.frame.to_file(tmp, layer="pcn", driver="GPKG")
        elif out.suffix.lower() in (".geojson", ".json"):
            build.frame.to_crs("EPSG:4326").to_file(tmp, driver="GeoJSON")
        elif out.suffix.lower() == ".parquet":
            build.frame.to_parquet(tmp)
        else:
            raise UsageError(f"cannot write '{out.suffix}' files", hint="use .gpkg, .geojson or .parquet")
        if lookup is not None:
            write_csv(build.lookup, tmps[1])
    return out
