"""Snap a sketch to building blocks: each block of a bundled layer goes to the place holding most of its people.

A sketch is any option: a drawing from QGIS (polygons, any CRS, wobbly edges) or an option file built of
other blocks. Snapping it to a bundled layer (``england/lsoa21``, ``england/pcn``...) gives an ordinary option
file of that layer's blocks, compared from then on through the exact-membership path.

How a block is given to a place (docs/options.md, "Snapping a sketch to blocks"): the people of the block
in each place of the sketch, and outside every place, are measured as ``compare`` measures them (the
:class:`~placegeo.weighing.Weighing` of the sketch's places against the layer, with the population layer:
for a drawing, each small area's people are spread over it by area; for an option of the same atoms, whole
small areas). The block goes to the place holding most of them; when most of its people are outside every
place, it stays out. A block without people goes by area.

What snapping moves: for a block given to place P, its people outside P in the sketch; for a block left out,
its people inside the sketch's places. Their sum bounds the change of every place's population:
``|pop(snapped P) - pop(sketch P)| <= moved`` (the moved people of the blocks in or touching P).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from placegeo.layers import Layer
    from placegeo.options import Option

OUTSIDE = "outside"
SHOWN_MOVES = 10
"""How many of the largest moves ``placegeo snap`` prints."""


@dataclass(frozen=True)
class Move:
    """One block whose people are not all in the place it is given to (``to`` None: left out)."""

    code: str
    name: str
    to: str | None
    people: float                      # the block's people who change place by snapping
    core20: float | None               # of them, Core20 residents (None when the population layer has no IMD)
    shares: dict[str, float]           # people of the block in each place of the sketch, and OUTSIDE

    def describe(self) -> str:
        """``Name (code): 1,234 people from A, outside to B``."""
        origin = ", ".join(k for k, v in sorted(self.shares.items(), key=lambda kv: -kv[1])
                           if k != self.to and v >= 0.5)
        to = self.to if self.to is not None else "no place (outside)"
        core20 = f" (Core20 {self.core20:,.0f})" if self.core20 is not None else ""
        return f"{self.name} ({self.code}): {self.people:,.0f} people{core20} from {origin or 'elsewhere'} to {to}"


@dataclass
class Snapped:
    """A sketch snapped to the blocks of one layer: the places' blocks and what snapping moved."""

    name: str                           # the sketch's name
    layer: str                          # the blocks layer (a bundled id)
    population_layer: str
    places: dict[str, list[str]]        # place -> block codes, in the sketch's place order
    sketch_population: dict[str, float]  # place -> people in the sketch
    snapped_population: dict[str, float]  # place -> people in its blocks (whole blocks)
    moves: list[Move] = field(default_factory=list)  # blocks whose people change place, largest first
    empty: list[str] = field(default_factory=list)   # places given no block (left out of the option)

    @property
    def blocks(self) -> int:
        """Blocks given to a place."""
        return sum(len(codes) for codes in self.places.values())

    @property
    def moved_people(self) -> float:
        return float(sum(m.people for m in self.moves))

    @property
    def moved_core20(self) -> float | None:
        if any(m.core20 is None for m in self.moves):
            return None
        return float(sum(m.core20 or 0.0 for m in self.moves))

    @property
    def moved_blocks(self) -> list[Move]:
        """The moves of at least one person (fractions of people from areal weighting are not a move)."""
        return [m for m in self.moves if m.people >= 0.5]

    def option(self, name: str | None = None, description: str | None = None) -> dict[str, Any]:
        """The snapped option as the mapping an option file holds (places with no block left out)."""
        return {
            "name": name or f"{self.name} (snapped to {self.layer})",
            "description": description or (f"{self.name} snapped to whole blocks of {self.layer}: each block to "
                                            f"the place holding most of its people ({self.population_layer}); "
                                            f"{self.moved_people:,.0f} people moved"),
            "blocks": self.layer,
            "places": [{"name": p, "blocks": list(codes)} for p, codes in self.places.items() if codes],
        }


def default_layer(sketch: Option) -> str:
    """The blocks a sketch snaps to by default: the small areas of its region (``england/lsoa21``, ``lsoa11``)."""
    from placegeo.population import population_for

    return population_for(options=[sketch]).id


def snap(sketch: Any, to: str | None = None, *, population: Any = None) -> Snapped:
    """Snap ``sketch`` (an option file, a drawing, or an Option) to the blocks of the bundled layer ``to``
    (default :func:`default_layer`); ``population`` is the small-area population layer (default: the one
    ``compare`` uses for the sketch)."""
    import numpy as np

    from placegeo.catalogue import comparison_only, get_entry, is_bundled
    from placegeo.errors import UsageError
    from placegeo.layers import bundled_layer
    from placegeo.options import Option, load_option
    from placegeo.population import population_for
    from placegeo.profiles import atom_profile
    from placegeo.weighing import Weighing, option_tiling

    option = sketch if isinstance(sketch, Option) else load_option(sketch)
    to = to or default_layer(option)
    if not is_bundled(to):
        get_entry(to)  # one line naming the nearest bundled ids
    entry = get_entry(to)
    why = comparison_only(entry) or ("it is a point layer" if entry.geometry != "polygon" else None)
    if why:
        raise UsageError(f"cannot snap to {to}: {why}", hint="snap to a layer that tiles the area, e.g. england/lsoa21")
    layer = bundled_layer(to)
    pop = population_for([layer], population, options=[option])
    atoms = atom_profile(pop)
    extra = {"core20": atoms.values["core20"]} if atoms is not None and "core20" in atoms.values else {}
    matrix = Weighing(option_tiling(option), ("area", "population"), pop, extra=extra).against(layer)
    matrix = matrix.rows((matrix.values["area"].sum(axis=1) > 0) | (matrix.values["population"].sum(axis=1) > 0))
    people, areas = matrix.values["population"], matrix.values["area"]
    outside = np.maximum(matrix.totals["population"] - people.sum(axis=1), 0.0)
    area_out = np.maximum(matrix.totals["area"] - areas.sum(axis=1), 0.0)
    core20 = matrix.extra.get("core20")
    core20_whole = _whole_block(extra["core20"], matrix.units, layer, pop) if core20 is not None else None
    places = list(matrix.places)
    by_people = np.column_stack([people, outside])
    by_area = np.column_stack([areas, area_out])
    peopled = matrix.totals["population"] > 0
    best = np.where(peopled, by_people.argmax(axis=1), by_area.argmax(axis=1))
    names = dict(zip(layer.codes, layer.names, strict=True))
    assigned: dict[str, list[str]] = {p: [] for p in places}
    moves: list[Move] = []
    snapped = dict.fromkeys(places, 0.0)
    for i, code in enumerate(matrix.units):
        j = int(best[i])
        to_place = places[j] if j < len(places) else None
        if to_place is not None:
            assigned[to_place].append(code)
            snapped[to_place] += float(matrix.totals["population"][i])
        row = by_people[i]
        moved = float(row.sum() - row[j]) if to_place is not None else float(people[i].sum())
        if moved <= 0:
            continue
        c20 = None
        if core20 is not None and core20_whole is not None:
            c20_in = core20[i]
            c20 = max(0.0, float(core20_whole[i]) - float(c20_in[j]) if to_place is not None else float(c20_in.sum()))
        shares = {p: float(v) for p, v in zip(places, people[i], strict=True) if v > 0}
        if outside[i] > 0:
            shares[OUTSIDE] = float(outside[i])
        moves.append(Move(code, names.get(code, code), to_place, moved, c20, shares))
    moves.sort(key=lambda m: -m.people)
    sketch_pop = {p: float(v) for p, v in zip(places, people.sum(axis=0), strict=True)}
    return Snapped(name=option.name, layer=to, population_layer=pop.id, places=assigned,
                   sketch_population=sketch_pop, snapped_population=snapped, moves=moves,
                   empty=[p for p, codes in assigned.items() if not codes])


def _whole_block(values: Any, units: list[str], layer: Layer, pop: Layer) -> Any:
    """Per row (block code in ``units``), the sum of ``values`` (per small area of ``pop``) over the whole
    block: its small areas' values spread by area (exact for blocks made of whole small areas)."""
    import numpy as np

    from placegeo.population import population_of

    position = {code: k for k, code in enumerate(layer.codes)}
    geoms = np.asarray(layer.frame.geometry.values, dtype=object)[[position[c] for c in units]]
    return np.asarray(population_of(geoms, pop, values), dtype=float)


def option_text(snapped: Snapped, name: str | None = None) -> str:
    """The snapped option as YAML text, with a header saying how it was made."""
    import yaml

    option = snapped.option(name)
    header = (f"# Snapped by `placegeo snap` to whole blocks of {snapped.layer}: each block to the place holding\n"
              f"# most of its people ({snapped.population_layer}). {len(snapped.moved_blocks):,} blocks moved "
              f"{snapped.moved_people:,.0f} people.\n")
    body: str = yaml.safe_dump(option, sort_keys=False, allow_unicode=True, width=100)
    return header + body
