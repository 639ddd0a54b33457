"""One weighing core: how much of each unit of one tiling lies in each unit of another, per weight.

Everything that measures two sets of polygons against each other goes through :class:`Weighing`:
``compare`` (an option's places against a reference layer's units), ``overlap`` (its long-format view)
and ``bestfit`` (small areas against large areas). It returns a :class:`Matrix`: rows are the units of the
reference side, columns the places (or units) of the other side, one ``units × places`` array
M[i, j] = w(R_i ∩ P_j) per weight (``area`` in m², ``population``), and w(R_i) per weight.

Two methods, one answer (docs/metrics.md):

* ``membership``: both sides are unions of the same atoms (whole LSOAs) and population, when wanted, is
  the atom layer's own: M is a sum of atom weights over shared atoms, one ``bincount`` per weight. Exact,
  no geometry.
* ``geometry``: the overlap engine (:func:`placegeo.overlaps.intersection_areas`) gives exact areas, and
  population is shared out by areal weighting inside each small area
  (:func:`placegeo.population.population_of_pieces`).

The side whose weights are cached is the *columns* side (an option's places, weighed once and measured
against several reference layers). A reference can be a bundled layer, a user's file, or another option
(:func:`option_layer`: its places become the units, code = place name).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from placegeo.layers import Layer
    from placegeo.options import Option

Members = Mapping[str, frozenset[str]]

WHOLE_INSIDE = 1e-9
"""A unit whose overlaps with the places add up to its area within this share lies inside them: its whole
population is the sum of its pieces' (areal weighting adds up over the pieces of a polygon)."""

MEMBERSHIP = "membership"
GEOMETRY = "geometry"


@dataclass
class Tiling:
    """Disjoint polygons to weigh: an option's places or a layer's units, with their atoms when known."""

    id: str
    codes: list[str]
    geoms: np.ndarray                 # shapely polygons (EPSG:27700), one per code
    atom: str | None = None           # bundled layer of whole features every unit is a union of
    members: Members | None = None    # code -> atom codes (None when not block-built)


@dataclass
class Noise:
    """The edge noise taken out of a geometric matrix (:func:`placegeo.metrics.without_noise`), per unit (row).

    Zero for the units whose noise stayed (a unit narrower than 2 × snap: nothing tells its noise apart)."""

    area: np.ndarray                  # m² of noise pieces taken out
    population: np.ndarray | None    # their residents (areal weighting; None when population is not measured)
    widest: np.ndarray                # widest noise strip, m (0 without noise)
    only: np.ndarray                  # bool: touched only by noise (the row is 0 in the matrix)

    def rows(self, at: np.ndarray) -> Noise:
        return Noise(self.area[at], None if self.population is None else self.population[at], self.widest[at],
                     self.only[at])


@dataclass
class Matrix:
    """M[i, j] = w(R_i ∩ P_j) per weight, with w(R_i), and the method that measured it."""

    units: list[str]                  # row codes, in the reference layer's frame order
    places: list[str]                 # column codes / place names, in order
    values: dict[str, np.ndarray]     # weight -> float array [units × places]
    totals: dict[str, np.ndarray]     # weight -> float array [units]: w(R_i), the whole unit
    method: str                       # "membership" | "geometry"
    extra: dict[str, np.ndarray] = field(default_factory=dict)  # per-atom sums (Weighing.extra) [units × places]
    noise: Noise | None = None        # edge noise taken out of values (geometry with a snap distance only)

    def rows(self, keep: np.ndarray) -> Matrix:
        """The matrix restricted to the rows where ``keep`` (a boolean mask) is true."""
        at = np.flatnonzero(keep)
        return Matrix([self.units[i] for i in at.tolist()], self.places, {k: m[at] for k, m in self.values.items()},
                      {k: t[at] for k, t in self.totals.items()}, self.method,
                      {k: m[at] for k, m in self.extra.items()}, self.noise)


def option_tiling(option: Option) -> Tiling:
    """An option's places as a :class:`Tiling` (members over the atoms when the option is block-built)."""
    return Tiling(id=option.name, codes=option.place_names,
                  geoms=np.asarray(option.frame.geometry.values, dtype=object),
                  atom=option.atom_layer, members=option.members())


def layer_tiling(layer: Layer) -> Tiling:
    """A layer's units as a :class:`Tiling`; see :func:`layer_members`."""
    atom, members = layer_members(layer)
    return Tiling(id=layer.id, codes=list(layer.codes), geoms=np.asarray(layer.frame.geometry.values, dtype=object),
                  atom=atom, members=members)


def layer_members(layer: Layer) -> tuple[str | None, Members | None]:
    """(atom layer, unit -> atoms) of a bundled block-built layer or of an option read as a layer."""
    if "members" in layer.derived:
        return layer.derived.get("atom"), layer.derived["members"]
    if layer.entry is None:
        return None, None
    from placegeo.membership import atom_layer, unit_members

    atom = atom_layer(layer.id)
    return (atom, unit_members(layer.id)) if atom is not None else (None, None)


def option_layer(option: Option, layer_id: str) -> Layer:
    """An option read as a reference layer: one unit per place, code and name = the place's name.

    Built of blocks, it keeps its atoms, so another option of the same atoms is measured against it
    exactly (the membership path)."""
    from placegeo.layers import Layer

    frame = option.frame[["place", "geometry"]].reset_index(drop=True)
    layer = Layer(id=layer_id, title=option.name, frame=frame, code="place", name="place",
                  source=str(option.source) if option.source else layer_id)
    members = option.members()
    if members is not None:
        layer.derived["atom"] = option.atom_layer
        layer.derived["members"] = members
    return layer


class Weighing:
    """The columns' weights w(P_j), and their overlaps with any reference layer, by the fastest exact path.

    ``weights`` are the weights to measure (``area``, ``population``); ``pop`` is the small-area population
    layer (None when population is not measured). ``extra`` holds other per-small-area values of ``pop`` (in
    its frame order, e.g. Core20 residents) shared out like population: :attr:`Matrix.extra`. With ``snap`` > 0
    metres, the geometry path takes edge noise out of the matrix (:attr:`Matrix.noise`); the membership path
    has none (both sides are unions of the same atoms)."""

    def __init__(self, columns: Tiling, weights: tuple[str, ...], pop: Layer | None,
                 extra: Mapping[str, np.ndarray] | None = None, snap: float = 0.0):
        self.columns = columns
        self.snap = snap  # > 0: the geometry path takes edge noise out (docs/metrics.md); 0: the raw overlaps
        self.weights = weights
        self.pop = pop
        self.extra = dict(extra or {}) if pop is not None else {}
        self.places = list(columns.codes)
        self.atom = columns.atom
        self.members = columns.members if self.atom else None
        self.exact = self.members is not None and (pop is None or pop.id == self.atom)
        self._place_owner: np.ndarray | None = None
        self._shrunk: np.ndarray | None = None

    def _atoms(self) -> tuple[Layer, dict[str, int], dict[str, np.ndarray]]:
        """(atom layer, atom code -> position, weight -> per-atom array) for the weights measured."""
        from placegeo.population import atom_arrays, atom_source

        assert self.atom is not None
        source = atom_source(self.atom, self.pop)
        index, arrays = atom_arrays(source)
        return source, index, {k: arrays[k] for k in self.weights}

    def _owner(self) -> np.ndarray:
        """For each atom, the position of the place holding it (-1 for none)."""
        if self._place_owner is None:
            from placegeo.membership import owner_array

            assert self.members is not None
            self._place_owner = owner_array(self.members, self._atoms()[1])[1]
        return self._place_owner

    def place_weights(self) -> dict[str, np.ndarray]:
        """w(P_j) per weight (arrays in place order), exact over whole atoms when possible."""
        n = len(self.places)
        if self.exact:
            owner = self._owner()
            ok = owner >= 0
            return {k: np.bincount(owner[ok], weights=w[ok], minlength=n) for k, w in self._atoms()[2].items()}
        import shapely

        geoms = self.columns.geoms
        out = {"area": shapely.area(geoms).astype(float)}
        if self.pop is not None:
            from placegeo.population import population_of

            out["population"] = np.asarray(population_of(geoms, self.pop), dtype=float)
        return {k: out[k] for k in self.weights}

    def atom_pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(place position, small-area position in ``pop``, f = area(L ∩ P_j) / area(L)) for every small area
        L meeting a place: f = 1 over whole atoms on the exact path, areal weighting otherwise."""
        assert self.pop is not None
        if self.exact:
            owner = self._owner()
            atoms = np.flatnonzero(owner >= 0)
            return owner[atoms], atoms, np.ones(len(atoms))
        from placegeo.overlaps import intersection_areas
        from placegeo.population import atom_arrays

        pairs = intersection_areas(self.columns.geoms, np.asarray(self.pop.frame.geometry.values, dtype=object))
        small_area = atom_arrays(self.pop)[1]["area"][pairs.right]
        fraction = np.divide(pairs.area, small_area, out=np.zeros_like(pairs.area), where=small_area > 0)
        return pairs.left, pairs.right, np.minimum(fraction, 1.0)

    def method_for(self, ref: Layer) -> str:
        """``membership`` when ``ref`` is a union of the columns' own atoms, else ``geometry``."""
        atom, members = layer_members(ref)
        return MEMBERSHIP if self.exact and members is not None and atom == self.atom else GEOMETRY

    def against(self, ref: Layer) -> Matrix:
        """The matrix of ``ref``'s units (rows, in frame order) against the columns."""
        if self.method_for(ref) == MEMBERSHIP:
            members = layer_members(ref)[1]
            assert members is not None
            return self._by_membership(ref, members)
        return self._by_geometry(ref)

    def _by_membership(self, ref: Layer, units: Members) -> Matrix:
        """Sums over shared atoms: M by one bincount per weight, w(R_i) from the layer's own atoms."""
        from placegeo.membership import shared_sums

        source, index, weights = self._atoms()
        codes, unit_owner = _unit_owner(source, index, ref.id, units)
        order = _table_order(ref, codes)
        rows, cols, sums = shared_sums(unit_owner, self._owner(), len(self.places), {**weights, **self.extra})
        mine = unit_owner >= 0
        values = {}
        for key, per_pair in sums.items():
            m = np.zeros((len(codes), len(self.places)))
            m[rows, cols] = per_pair
            values[key] = m[order]
        totals = {key: np.bincount(unit_owner[mine], weights=w[mine], minlength=len(codes))[order]
                  for key, w in weights.items()}
        extra = {key: values.pop(key) for key in self.extra}
        return Matrix([codes[i] for i in order], self.places, values, totals, MEMBERSHIP, extra)

    def _by_geometry(self, ref: Layer) -> Matrix:
        """The overlap engine's exact areas; population by areal weighting of the intersection pieces."""
        if self.snap > 0:
            return self._by_geometry_without_noise(ref)
        import pandas as pd
        import shapely

        from placegeo.overlaps import intersection_areas
        from placegeo.population import pieces_weighted, population_of

        ref_geoms = np.asarray(ref.frame.geometry.values, dtype=object)
        place_geoms = self.columns.geoms
        want_pop = "population" in self.weights
        pairs = intersection_areas(ref_geoms, place_geoms, geometry=want_pop or bool(self.extra))
        codes = np.asarray(ref.codes)
        places = np.asarray(self.places, dtype=object)
        used = np.unique(pairs.left)
        unit_codes = codes[used].tolist()
        long = pd.DataFrame({"unit": codes[pairs.left], "place": places[pairs.right], "area": pairs.area})
        if want_pop or self.extra:  # the pieces weighed once for population and every extra value
            assert self.pop is not None
            wanted = {**({"population": None} if want_pop else {}), **self.extra}
            for key, per_pair in pieces_weighted(pairs, self.pop, len(pairs.area), wanted).items():
                long[key] = per_pair
        values, totals = {}, {}
        for key in (*self.weights, *self.extra):
            m = long.pivot_table(index="unit", columns="place", values=key, aggfunc="sum", fill_value=0.0)
            values[key] = m.reindex(index=unit_codes, columns=self.places, fill_value=0.0).to_numpy(dtype=float)
        totals["area"] = np.asarray(shapely.area(ref_geoms[used]), dtype=float)
        if want_pop:
            assert self.pop is not None
            totals["population"] = values["population"].sum(axis=1)
            # a unit reaching outside the places is weighed whole; one inside them (its overlaps add up to its
            # area, to WHOLE_INSIDE) holds the people of its pieces: the same sum over small areas, no second pass
            inside = np.bincount(pairs.left, weights=pairs.area, minlength=len(codes))[used]
            outside = np.flatnonzero(inside < totals["area"] * (1 - WHOLE_INSIDE))
            if len(outside):
                totals["population"][outside] = population_of(ref_geoms[used][outside], self.pop)
        extra = {key: values.pop(key) for key in self.extra}
        del pairs, long
        _give_back_memory()
        return Matrix([str(c) for c in unit_codes], self.places, values, {k: totals[k] for k in self.weights},
                      GEOMETRY, extra)


    def _by_geometry_without_noise(self, ref: Layer) -> Matrix:
        """:meth:`_by_geometry` piece by piece: each connected piece of R_i ∩ P_j is weighed and tested for edge
        noise (:func:`placegeo.noise.is_edge_noise`), and the noise is taken out of the matrix
        (:func:`placegeo.metrics.without_noise`)."""
        import shapely

        from placegeo import metrics
        from placegeo.noise import is_edge_noise, shrunk, strip_widths
        from placegeo.overlaps import intersection_areas
        from placegeo.population import population_of, weighted_sums

        ref_geoms = np.asarray(ref.frame.geometry.values, dtype=object)
        place_geoms = self.columns.geoms
        pairs = intersection_areas(ref_geoms, place_geoms, geometry=True)
        codes = np.asarray(ref.codes)
        used = np.unique(pairs.left)
        shape = (len(used), len(self.places))
        assert pairs.piece_geometry is not None and pairs.piece_pair is not None
        parts, of_piece = shapely.get_parts(pairs.piece_geometry, return_index=True)
        part_pair = pairs.piece_pair[of_piece]
        part_area = shapely.area(parts)
        ok = part_area > 0
        parts, part_pair, part_area = parts[ok], part_pair[ok], part_area[ok]
        row = np.searchsorted(used, pairs.left)
        part_row, part_col = row[part_pair], pairs.right[part_pair]
        if self._shrunk is None:  # the places shrunk by snap: once per weighing, whatever the reference
            self._shrunk = shrunk(place_geoms, self.snap)
        noisy = is_edge_noise(parts, part_col, self._shrunk)

        def dense(per_part: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
            m = np.zeros(shape)
            w = per_part if mask is None else np.where(mask, per_part, 0.0)
            np.add.at(m, (part_row, part_col), w)
            return m

        values: dict[str, np.ndarray] = {}
        noise: dict[str, np.ndarray] = {}
        m_area = np.zeros(shape)
        m_area[row, pairs.right] = pairs.area  # the pair areas, exactly as the engine measured them
        values["area"], noise["area"] = m_area, dense(part_area, noisy)
        per_part: dict[str, np.ndarray] = {}
        if self.pop is not None:  # the parts weighed once for population and every extra value
            per_part = weighted_sums(parts, self.pop, {"population": None, **self.extra})
        for key, v in per_part.items():
            values[key], noise[key] = dense(v), dense(v, noisy)
        measured = [k for k in (*self.weights, *self.extra) if k in values]
        totals = {"area": np.asarray(shapely.area(ref_geoms[used]), dtype=float)}
        clean, only, cells = metrics.without_noise({k: values[k] for k in measured},
                                                   {**{k: noise[k] for k in measured}, "area": noise["area"]},
                                                   dense(part_area, ~noisy), totals["area"])
        out = noisy & cells[part_row, part_col]  # the noise pieces taken out (not those in the unit's own place)
        widest = np.zeros(len(used))
        np.maximum.at(widest, part_row[out], strip_widths(parts[out]))
        found = Noise(area=np.where(cells, noise["area"], 0.0).sum(axis=1),
                      population=(np.where(cells, noise["population"], 0.0).sum(axis=1)
                                  if "population" in noise else None),
                      widest=widest, only=only)
        if "population" in self.weights:
            assert self.pop is not None
            totals["population"] = values["population"].sum(axis=1)
            # a unit reaching outside the places is weighed whole; one inside them (its overlaps add up to its
            # area, to WHOLE_INSIDE) holds the people of its parts: the same sum over small areas, no second pass
            outside = np.flatnonzero(m_area.sum(axis=1) < totals["area"] * (1 - WHOLE_INSIDE))
            if len(outside):
                totals["population"][outside] = population_of(ref_geoms[used][outside], self.pop)
        extra = {key: clean.pop(key) for key in self.extra}
        del pairs, parts
        _give_back_memory()
        return Matrix([str(c) for c in codes[used].tolist()], self.places, {k: clean[k] for k in self.weights},
                      {k: totals[k] for k in self.weights}, GEOMETRY, extra, found)


def _give_back_memory() -> None:
    """Hand the heap that the geometry work freed back to the system (glibc's ``malloc_trim``; nothing
    elsewhere): GEOS frees its intersections and prepared indexes, but the heap keeps them, and the Python
    objects of the results (one per unit of a big layer) would otherwise be added on top of that peak."""
    import contextlib
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):  # not glibc (musl): nothing to trim
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def weigh(rows: Layer, columns: Layer | Option, weights: tuple[str, ...], pop: Layer | None) -> Matrix:
    """The matrix of ``rows``' units against ``columns`` (a layer's units or an option's places)."""
    from placegeo.layers import Layer

    tiling = layer_tiling(columns) if isinstance(columns, Layer) else option_tiling(columns)
    return Weighing(tiling, weights, pop).against(rows)


def _unit_owner(source: Layer, index: dict[str, int], layer_id: str, units: Members) -> tuple[list[str], np.ndarray]:
    """owner_array of a layer's units over the atoms of ``source``, once per (atom layer object, layer)."""
    owners = source.derived.setdefault("unit_owners", {})
    key = (layer_id, id(units))
    if key not in owners:
        from placegeo.membership import owner_array, unit_owner

        owners[key] = unit_owner(layer_id, source, units) or owner_array(units, index)
    result: tuple[list[str], np.ndarray] = owners[key]
    return result


def _table_order(ref: Layer, codes: list[str]) -> np.ndarray:
    """Rows of ``codes`` in the reference layer's frame order (codes not in the frame left out)."""
    position = dict(zip(codes, range(len(codes)), strict=True))
    return np.asarray([position[c] for c in ref.codes if c in position], dtype=np.int64)


def long_table(matrix: Matrix) -> dict[str, Any]:
    """The matrix in long format: the (unit, place) cells with a positive overlap (by area when measured,
    else by the first weight), as columns ``unit``, ``place`` and one per weight."""
    gate = matrix.values["area"] if "area" in matrix.values else next(iter(matrix.values.values()))
    ui, pj = np.nonzero(gate > 0)
    out: dict[str, Any] = {"unit": [matrix.units[i] for i in ui.tolist()],
                           "place": [matrix.places[j] for j in pj.tolist()]}
    for key, m in matrix.values.items():
        out[key] = m[ui, pj]
    return out
