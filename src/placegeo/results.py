"""The results of a comparison: plain typed data that every view reads (terminal, JSON, CSV, XLSX, Markdown, HTML).

    Comparison
      settings: Settings                      weights, tol, snap, population layer, bands
      layers: list[LayerInfo]                 the reference layers (id, title, attribution)
      options: list[OptionResult]
        name, description, source, primary weight, footprint {weight: value}, unassigned blocks
        places: list[PlaceSummary]            name, population, area_km2, units (block codes), band, subunits
        frame: GeoDataFrame                   the places' polygons (EPSG:27700), for maps; not in JSON
        results: dict[layer id, LayerResult]
          coterminosity {weight: C}, method ("membership" | "geometry"), boundary_match
          units: list[UnitResult]             code, name, inside {w}, total {w}, outside {w}, shares {w: {place: s}},
                                              best_fit, fit, whole, parts (split list), moving {w}
          places: list[PlaceFit]              name, exactness {w}, coterminous, boundary_match, best_fit_units
          overlap: list[OverlapRow]           unit, place, area_m2, population  (the matrix M, long format)
          outside_units: list[UnitResult]     neighbours with < tol of them inside F: outside only, never split
          noise: EdgeNoise                    edge noise left out (geometry path): units only touched, area, widest
          edge_match: EdgeMatch | None        a user's file against a bundled layer: share within snap, median

Weights are keyed ``area`` (m² in EPSG:27700; km² in JSON place sizes) and ``population``. The
**primary** weight (population when computed, else area) decides whether a unit is whole or split: split
when at least two places each hold ``tol`` of the whole unit, its ``parts`` listing every place and
``outside``, summing to 1.
Totals (people moving, split units, coterminous places...) are properties defined here, once, so that the
views cannot disagree. Nothing here reads a file or computes an overlap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from placegeo import metrics
from placegeo.metrics import NEIGHBOURHOOD_BAND, PLACE_BAND, Band

if TYPE_CHECKING:
    import pandas as pd

SCHEMA_VERSION = 2


@dataclass(frozen=True)
class Settings:
    """How the comparison was measured."""

    weights: tuple[str, ...] = ("area", "population")
    tol: float = metrics.DEFAULT_TOL
    snap: float = metrics.DEFAULT_SNAP
    population_layer: str | None = None
    place_band: Band = PLACE_BAND
    neighbourhood_band: Band = NEIGHBOURHOOD_BAND

    @property
    def primary(self) -> str:
        """The weight that decides whole / split: population when measured, else area."""
        return "population" if "population" in self.weights else "area"


CAVEAT_MARK = "†"
"""The marker on every figure computed from a modelled or best-fit layer; its footnote says why."""

MODELLED = ("modelled", "best-fit")
"""The ``exactness`` of layers whose figures carry :data:`CAVEAT_MARK` (PCN footprints, wards)."""


@dataclass
class LayerInfo:
    """A reference layer as the results name it: its licence line, how exact it is (``exact``, ``best-fit``,
    ``modelled``, ``published``; None for a user's file) and the caveat to show wherever it is used."""

    id: str
    title: str
    attribution: str | None = None
    exactness: str | None = None
    caveat: str | None = None

    @property
    def modelled(self) -> bool:
        """Whether the layer is modelled or best-fit, so every figure from it is an estimate (marked †)."""
        return self.exactness in MODELLED

    @property
    def label(self) -> str:
        """The layer's id, marked † when its figures are modelled ("pcn †")."""
        return f"{self.id} {CAVEAT_MARK}" if self.modelled else self.id

    def footnote(self) -> str:
        """"† pcn: <caveat>" -- the footnote every view prints under figures marked †."""
        why = self.caveat or f"{self.exactness} footprints, not official boundaries"
        return f"{CAVEAT_MARK} {why if why.startswith(self.id) else f'{self.id}: {why}'}"


@dataclass
class Profile:
    """Who lives in a place (:mod:`placegeo.profiles`, docs/metrics.md): residents; Core20 residents (in IMD
    deciles 1-2) and their share; the population-weighted mean IMD rank (1 = most deprived), mean score
    (IMD 2025 only) and the national decile band of the mean; residents aged 65+ and their share. Sums
    over whole LSOAs, areal weighted where the place cuts an LSOA. None: the source does not give it."""

    residents: float
    core20: float | None = None
    core20_share: float | None = None
    imd_score: float | None = None
    imd_rank: float | None = None
    imd_band: int | None = None
    aged65: float | None = None
    aged65_share: float | None = None
    imd_source: str | None = None          # e.g. "English Indices of Deprivation 2025 (MHCLG), LSOA 2021"
    population_source: str | None = None   # e.g. "Census 2021 (21 March 2021), usual residents"
    registered: float | None = None        # patients registered at the GP practices located in the place
    registered_ratio: float | None = None  # registered / residents
    registered_source: str | None = None   # e.g. "GP registered patients, May 2022 (NHS Digital); practices ..."


@dataclass
class UnitProfile:
    """One unit of a layer (or place of an option) and who lives there."""

    code: str
    name: str
    profile: Profile | None


@dataclass
class ProfileTable:
    """``placegeo profile``: the profile of every unit of one layer or option."""

    subject: str                      # the layer id or option name profiled
    population_layer: str             # the small-area layer the figures were summed over
    units: list[UnitProfile]


@dataclass
class PlaceSummary:
    """A place's size: population (None when not measured), area in km², its blocks, and where its
    population falls against the place band (``band``) and the neighbourhood band (``neighbourhood``):
    ``below``, ``within``, ``above``, ``unknown``, or ``n/a`` for the band of the other level (an option's
    places are checked against the place band, its neighbourhoods against the neighbourhood band)."""

    name: str
    population: float | None
    area_km2: float
    units: list[str]
    band: str = "unknown"
    subunits: list[PlaceSummary] = field(default_factory=list)
    neighbourhood: str = "unknown"
    profile: Profile | None = None    # who lives there (None when population was not measured)


@dataclass
class UnitResult:
    """One reference unit against one option (weights keyed ``area`` / ``population``)."""

    code: str
    name: str
    inside: dict[str, float]          # w(R_i ∩ F)
    total: dict[str, float]           # w(R_i)
    outside: dict[str, float]         # 1 - w(R_i ∩ F) / w(R_i)
    shares: dict[str, dict[str, float]]  # weight -> place -> s[i, j]
    best_fit: str                     # j*(i), by the primary weight
    fit: float                        # b_i, by the primary weight
    whole: bool                       # not split (fewer than two places hold >= tol of it)
    parts: dict[str, float]           # split list: place -> w(R_i ∩ P_j) / w(R_i) (primary weight), largest
                                      # first, then "outside": they sum to 1 (a whole unit: {best_fit: 1})
    moving: dict[str, float]          # w(R_i ∩ F) * (1 - b_i) per weight
    outside_only: bool = False        # w(R_i ∩ F) < tol * w(R_i) by the primary weight: a neighbour, not a split
    people: dict[str, float] = field(default_factory=dict)  # place -> residents of R_i ∩ P_j (population measured)
    core20: dict[str, float] = field(default_factory=dict)  # place -> Core20 residents of R_i ∩ P_j (IMD measured)

    @property
    def core20_moving(self) -> float:
        """Core20 residents of the unit outside its best-fit place (0 for a whole unit or a neighbour)."""
        if not self.split:
            return 0.0
        return float(sum(v for place, v in self.core20.items() if place != self.best_fit))

    @property
    def split(self) -> bool:
        """Split between places: not whole, and not a neighbour only touching the footprint (outside_only)."""
        return not self.whole and not self.outside_only


@dataclass
class PlaceFit:
    """One place against one reference layer."""

    name: str
    exactness: dict[str, float]       # Jaccard J_j per weight
    coterminous: bool                 # J_j >= 1 - tol for the primary weight
    boundary_match: float | None      # share of internal boundary within snap of R's boundaries
    best_fit_units: list[str]         # codes of U_j


@dataclass
class OverlapRow:
    unit: str
    place: str
    area_m2: float
    population: float | None = None


@dataclass
class EdgeNoise:
    """The edge noise of one option against one reference layer (docs/metrics.md): pieces of R_i ∩ P_j lying
    entirely within snap of P_j's boundary, left out of the shares, splits and people who move."""

    units_only: int = 0               # units touched only by noise (left out, as neighbours)
    units: int = 0                    # units with some noise taken out (those touched only by noise included)
    area_m2: float = 0.0              # area of the noise pieces taken out
    population: float | None = None   # their residents, areal weighted (None when population is not measured)
    widest_m: float = 0.0             # the widest noise strip: diameter of its largest inscribed circle


@dataclass
class EdgeMatch:
    """How far a user's file lies from a bundled layer (docs/metrics.md, "edge match"): the share of the
    file's edges within snap of the bundled layer's edges, and the median distance between them."""

    file: str                         # the user's file: a reference layer id or an option name
    against: str                      # the bundled layer its edges are measured against
    share: float                      # share of the file's edge length within snap of the bundled edges
    median_m: float                   # median distance (m) from the file's edges to the bundled edges
    length_km: float                  # length of the file's edges measured


@dataclass
class LayerResult:
    """One option against one reference layer."""

    layer: str
    method: str                       # "membership" (exact, over shared LSOAs) or "geometry"
    coterminosity: dict[str, float]   # C per weight
    boundary_match: float | None      # over all places, length-weighted
    units: list[UnitResult]           # units meeting the footprint (neighbours lying outside it excluded)
    places: list[PlaceFit]
    overlap: list[OverlapRow]
    outside_units: list[UnitResult] = field(default_factory=list)  # outside_only: < tol of them inside F
    primary: str = "area"             # the weight that decided whole / split (Settings.primary)
    tol: float = metrics.DEFAULT_TOL  # the whole / split tolerance it was measured with
    coverage: float = 1.0             # share of the footprint's area the layer's units cover (1: all of it)
    core20_measured: bool = False     # whether UnitResult.core20 was measured (an IMD population layer)
    noise: EdgeNoise = field(default_factory=EdgeNoise)  # edge noise left out (none on the membership path)
    edge_match: EdgeMatch | None = None  # a user's file against a bundled layer (None: both bundled)

    @property
    def split_units(self) -> list[UnitResult]:
        """Units split between places (neighbours only touching the footprint are never split)."""
        return [u for u in self.units if u.split]

    @property
    def split_count(self) -> int:
        """How many units are split between places."""
        return len(self.split_units)

    @property
    def whole_count(self) -> int:
        """How many units meeting the footprint lie within one place."""
        return len(self.units) - self.split_count

    @property
    def coterminous_places(self) -> int:
        """How many places are coterminous with the layer (J_j >= 1 - tol by the primary weight)."""
        return sum(p.coterminous for p in self.places)

    @property
    def coterminous_count(self) -> int:
        """Alias of :attr:`coterminous_places`."""
        return self.coterminous_places

    @property
    def outside_footprint(self) -> list[UnitResult]:
        """Units partly outside the footprint: some of their weight outside it, and at least ``tol`` of their
        primary weight inside it (a neighbour touching the footprint through a sliver is not listed)."""
        return [u for u in self.units
                if max(u.outside.values(), default=0.0) > 0 and _inside_share(u, self.primary) >= self.tol]

    def split_weight(self, weight: str) -> float:
        """Total weight inside F of the split units."""
        return float(sum(u.inside.get(weight, 0.0) for u in self.split_units))

    def moving_total(self, weight: str) -> float:
        """Weight that moves: w(R_i ∩ F)(1 - b_i) summed over the SPLIT units (docs/metrics.md). A whole unit
        (b_i >= 1 - tol) moves nobody: its pieces in other places are slivers within tol."""
        return float(sum(u.moving.get(weight, 0.0) for u in self.split_units))

    @property
    def people_moving(self) -> float | None:
        """People who would move to their unit's best-fit place (None when population was not measured)."""
        if not any("population" in u.moving for u in self.units):
            return None
        return self.moving_total("population")

    @property
    def core20_moving(self) -> float | None:
        """Core20 residents (IMD deciles 1-2) who would change place: those of the split units outside their
        unit's best-fit place (None when deprivation was not measured)."""
        if not self.core20_measured:
            return None
        return float(sum(u.core20_moving for u in self.split_units))

    @property
    def split_population(self) -> float | None:
        """People inside F living in split units (None when population was not measured)."""
        if not any("population" in u.inside for u in self.units):
            return None
        return self.split_weight("population")


def _inside_share(unit: UnitResult, weight: str) -> float:
    """w(R_i ∩ F) / w(R_i) by ``weight`` (area when the unit has no such weight); 1 for an empty unit."""
    key = weight if unit.total.get(weight, 0.0) > 0 else "area"
    total = unit.total.get(key, 0.0)
    return unit.inside.get(key, 0.0) / total if total > 0 else 1.0


@dataclass
class OptionResult:
    name: str
    description: str
    source: str | None
    footprint: dict[str, float]       # w(F) per weight
    places: list[PlaceSummary]
    unassigned: list[str]
    results: dict[str, LayerResult]
    frame: Any = field(default=None, repr=False)  # GeoDataFrame (place, geometry), EPSG:27700
    blocks_layer: str | None = None   # id of the building-block layer (None for a drawn option)
    unassigned_names: list[str] = field(default_factory=list)  # names of the blocks in no place
    blocks_info: LayerInfo | None = field(default=None, repr=False)  # the block layer's exactness and caveat

    @property
    def modelled(self) -> bool:
        """Whether the places are built from a modelled or best-fit layer (e.g. PCN footprints), so every
        figure of the option is an estimate (marked †)."""
        return self.blocks_info is not None and self.blocks_info.modelled

    @property
    def label(self) -> str:
        """The option's name, marked † when its places are built from a modelled or best-fit layer."""
        return f"{self.name} {CAVEAT_MARK}" if self.modelled else self.name


@dataclass
class Comparison:
    """Options compared with reference layers: the single object every view reads."""

    settings: Settings
    layers: list[LayerInfo]
    options: list[OptionResult]

    def option(self, name: str) -> OptionResult:
        """The result of the option called ``name`` (KeyError when there is none)."""
        for opt in self.options:
            if opt.name == name:
                return opt
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON document (docs/json-schema.md) as plain Python data."""
        from placegeo.compare_json import comparison_dict

        return comparison_dict(self)

    def to_json(self, indent: int | None = 2) -> str:
        """The documented JSON document (docs/json-schema.md) as text; NaN and infinities become null."""
        import json

        from placegeo.compare_json import clean

        return json.dumps(clean(self.to_dict()), indent=indent, ensure_ascii=False, allow_nan=False)

    def tables(self) -> dict[str, pd.DataFrame]:
        """CSV views: ``scorecard``, ``splits``, ``places``, and ``overlap`` (long, all options × layers)."""
        from placegeo.compare_tables import tables

        return tables(self)



def option_frames(comparison: Comparison) -> dict[str, Any]:
    """Each option's places (GeoDataFrames, EPSG:27700) with their sizes, ready to write as GeoPackage."""
    out = {}
    for opt in comparison.options:
        frame = opt.frame.copy()
        sizes = {p.name: p for p in opt.places}
        frame["population"] = [sizes[n].population for n in frame["place"]]
        frame["area_km2"] = [sizes[n].area_km2 for n in frame["place"]]
        frame["band"] = [sizes[n].band for n in frame["place"]]
        out[opt.name] = frame
    return out
