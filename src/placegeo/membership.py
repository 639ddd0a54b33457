"""Exact membership: which building blocks (e.g. LSOAs) make up each unit of a layer.

Bundled L&SC layers are unions of whole LSOAs (the catalogue's ``blocks`` entry says which column of
which layer groups them; or ``members_file``, a CSV of atom code and the layer's code column, with
``members_layer`` naming the atom layer, as for the PCN footprints). When an option and a reference
layer are both unions of the same blocks, overlaps are sums over shared blocks: exact, and with no
geometry at all.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from itertools import chain, repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from placegeo.catalogue import load_catalogue

if TYPE_CHECKING:
    import numpy as np


@functools.cache
def _grouping(layer_id: str) -> tuple[str, str] | None:
    """(atom layer id, column of the atom layer that names this layer's units), if any."""
    entry = load_catalogue().get(layer_id)
    if entry is None:
        return None
    if entry.blocks is not None:
        return entry.blocks.layer, entry.blocks.key
    if entry.extra.get("members_file") and entry.extra.get("members_layer"):
        return entry.extra["members_layer"], entry.code
    return None


def atom_layer(layer_id: str) -> str | None:
    """The layer whose whole features this layer is built of (itself for an atom layer)."""
    grouping = _grouping(layer_id)
    if grouping:
        return grouping[0]
    catalogue = load_catalogue()
    if layer_id in catalogue and any((_grouping(other) or ("", ""))[0] == layer_id for other in catalogue):
        return layer_id
    return None


@functools.cache
def unit_members(layer_id: str) -> Mapping[str, frozenset[str]] | None:
    """Unit code -> codes of the atom features it is the union of, for a bundled block-built layer."""
    atom = atom_layer(layer_id)
    if atom is None:
        return None
    if atom == layer_id:
        from placegeo.layers import bundled_layer

        return {code: frozenset([code]) for code in bundled_layer(atom).codes}
    import numpy as np

    codes, unit, atom_codes, _ = _groups(layer_id)
    order = np.argsort(unit, kind="stable")
    ends = np.cumsum(np.bincount(unit, minlength=len(codes)))[:-1]
    return _Members(dict(zip(codes, np.split(atom_codes[order], ends), strict=True)))


class _Members(Mapping[str, frozenset[str]]):
    """Unit code -> its atoms, each unit's frozenset built on first use (the membership path needs only
    :func:`unit_owner`'s arrays; a national layer's 33,755 atoms are not all turned into sets)."""

    def __init__(self, groups: dict[str, Any]):
        self._groups = groups
        self._sets: dict[str, frozenset[str]] = {}

    def __getitem__(self, code: str) -> frozenset[str]:
        atoms = self._sets.get(code)
        if atoms is None:
            atoms = self._sets[code] = frozenset(self._groups[code].tolist())
        return atoms

    def __iter__(self) -> Any:
        return iter(self._groups)

    def __len__(self) -> int:
        return len(self._groups)


Groups = tuple[list[str], "np.ndarray", "np.ndarray", "np.ndarray | None"]
GROUPS_FORMAT = 2  # bump when the stored grouping's layout changes: old cache files are then ignored


@functools.cache
def _groups(layer_id: str) -> Groups:
    """(unit codes, sorted as a groupby sorts them; for each grouped atom, its unit's position, its atom
    code, and its row in the atom layer when grouped by a column of it, else None) of a bundled layer
    grouped from its atom layer (a column of it, or a members file). Kept beside the dissolved layers
    (``.npz``, keyed like them by the files' paths, sizes and mtimes), so a CLI run does not group 33,755
    LSOAs again for every layer it compares with."""
    import contextlib

    path = _groups_path(layer_id)
    if path is not None:
        with contextlib.suppress(Exception):  # missing, corrupt or foreign: grouped again below
            return _read_groups(path, layer_id)
    groups = _grouped(layer_id)
    if path is not None:
        with contextlib.suppress(Exception):  # read-only home, full disk, ...: carry on without a cache
            _write_groups(path, groups)
    return groups


def _groups_path(layer_id: str) -> Path | None:
    import hashlib

    from placegeo.io import safe_filename
    from placegeo.layers import _file_version, cache_dir

    entry = load_catalogue().get(layer_id)
    if entry is None:
        return None
    key = repr((GROUPS_FORMAT, layer_id, _grouping(layer_id), entry.extra.get("members_file"), _file_version(entry)))
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_dir() / f"{safe_filename(layer_id)}-groups-{digest}.npz"


def _read_groups(path: Path, layer_id: str) -> Groups:
    import numpy as np

    with np.load(path, allow_pickle=False) as stored:
        codes, unit = stored["codes"].tolist(), np.asarray(stored["unit"], dtype=np.int64)
        if not bool(stored["by_column"]):
            return codes, unit, stored["atoms"].astype(object), None
        rows = np.asarray(stored["rows"], dtype=np.int64)
    return codes, unit, _atom_codes(layer_id)[rows], rows


def _atom_codes(layer_id: str) -> np.ndarray:
    """The codes of ``layer_id``'s atom layer as an object array, once per (shared, bundled) atom layer."""
    import numpy as np

    from placegeo.layers import bundled_layer

    atoms = bundled_layer(atom_layer(layer_id) or layer_id)
    codes = atoms.derived.get("codes_array")
    if codes is None:
        codes = atoms.derived["codes_array"] = np.asarray(atoms.codes, dtype=object)
    return codes


def _write_groups(path: Path, groups: Groups) -> None:
    import numpy as np

    from placegeo.io import atomic_path

    codes, unit, atoms, rows = groups
    with atomic_path(path, force=True) as tmp, open(tmp, "wb") as out:
        np.savez(out, codes=np.asarray(codes, dtype=str), unit=np.asarray(unit, dtype=np.int64),
                 atoms=np.asarray(atoms if rows is None else [], dtype=str),  # by column: the atom layer's rows
                 rows=np.asarray([] if rows is None else rows, dtype=np.int64), by_column=np.asarray(rows is not None))


def _grouped(layer_id: str) -> Groups:
    """:func:`_groups` computed from the bundled files."""
    import numpy as np
    import pandas as pd

    from placegeo.layers import bundled_layer

    atoms = bundled_layer(atom_layer(layer_id) or layer_id)  # shared: read once, never changed here
    grouping = _grouping(layer_id)
    assert grouping is not None  # a grouped layer
    key = grouping[1]
    members_file = load_catalogue()[layer_id].extra.get("members_file")
    rows = None
    if members_file:
        from placegeo.catalogue import data_dir

        path = data_dir() / "boundaries" / members_file
        header = list(pd.read_csv(path, nrows=0).columns)
        wanted = [header[0], key] if key in header[1:] else None  # only the two columns read (names are long)
        table = pd.read_csv(path, dtype=str, usecols=wanted)
        frame = table.rename(columns={table.columns[0]: atoms.code})[[atoms.code, key]].dropna()
    else:
        has = (atoms.frame[atoms.code].notna() & atoms.frame[key].notna()).to_numpy()
        rows = np.flatnonzero(has)
        unit, unit_of = pd.factorize(atoms.frame[key].iloc[rows], sort=True)
        return [str(k) for k in unit_of.tolist()], np.asarray(unit), _atom_codes(layer_id)[rows], rows
    unit, unit_of = pd.factorize(frame[key], sort=True)
    return [str(k) for k in unit_of.tolist()], np.asarray(unit), frame[atoms.code].to_numpy(dtype=object), rows


def unit_owner(layer_id: str, source: Any, units: Any) -> tuple[list[str], np.ndarray] | None:
    """:func:`owner_array` of a bundled grouped layer's units over the rows of its atom layer ``source``,
    in numpy (no per-atom Python lookups). None unless ``source`` is the shared bundled atom layer and
    ``units`` its :func:`unit_members` table, or when an atom is listed twice (the caller's
    :func:`owner_array` then names the unit)."""
    import numpy as np
    import pandas as pd

    from placegeo.layers import bundled_layer

    atom = atom_layer(layer_id)
    if atom is None or atom == layer_id or source is not bundled_layer(atom) or units is not unit_members(layer_id):
        return None
    codes, unit, atom_codes, rows = _groups(layer_id)
    index = source.derived.get("code_index")
    if index is None:
        index = source.derived["code_index"] = pd.Index(source.codes)
    if not index.is_unique:
        return None
    if rows is not None:  # grouped by a column of the atom layer: each atom is its own row, once
        where = rows
    else:
        where = index.get_indexer(atom_codes)
        found = where >= 0
        where, unit = where[found], unit[found]
        if len(where) and np.bincount(where).max() > 1:
            return None
    owner = np.full(len(index), -1, dtype=np.int64)
    owner[where] = unit
    return codes, owner


def owner_array(table: Mapping[str, frozenset[str]], atoms: Mapping[str, int]) -> tuple[list[str], np.ndarray]:
    """(unit codes in ``table`` order, for each atom position in ``atoms`` the unit holding it or -1).

    Atoms missing from ``atoms`` are ignored; an atom in two units is refused (units of one layer are disjoint).
    """
    import numpy as np

    from placegeo.errors import UsageError

    codes = [str(c) for c in table]
    sizes = np.fromiter((len(table[c]) for c in table), dtype=np.int64, count=len(codes))
    unit = np.repeat(np.arange(len(codes)), sizes)
    where = np.fromiter(map(atoms.get, chain.from_iterable(table.values()), repeat(-1)), dtype=np.int64,
                        count=len(unit))
    found = where >= 0
    where, unit = where[found], unit[found]
    if len(where) and np.bincount(where).max() > 1:  # name the first unit holding an atom an earlier unit holds
        first = np.unique(where, return_index=True)[1]
        again = np.setdiff1d(np.arange(len(where)), first, assume_unique=True)
        raise UsageError(f"unit '{codes[unit[again.min()]]}' shares atoms with another unit of the same layer")
    owner = np.full(len(atoms), -1, dtype=np.int64)
    owner[where] = unit
    return codes, owner


def members_of(layer_id: str, codes: list[str] | tuple[str, ...]) -> frozenset[str] | None:
    """Atom codes of the union of ``codes`` of ``layer_id`` (None when the layer is not block-built)."""
    table = unit_members(layer_id)
    if table is None:
        return None
    out: set[str] = set()
    for code in codes:
        out |= table.get(code, frozenset())
    return frozenset(out)


def shared_sums(row_owner: np.ndarray, col_owner: np.ndarray, n_cols: int,
                weights: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Sums of atom weights over the atoms two unit sets share, sparse: (row positions, column positions,
    {weight: sum per pair}) for the pairs (i, j) sharing at least one atom, sorted by (i, j).
    ``row_owner`` / ``col_owner`` give each atom's unit position or -1, as :func:`owner_array` does.
    M[i, j] = sum of w(atom) over the atoms in row unit i and column unit j: exact, no geometry, and
    sparse, so two fine layers (LSOAs x wards) cost what their shared atoms cost, not rows x columns."""
    import numpy as np

    both = (row_owner >= 0) & (col_owner >= 0)
    cell = row_owner[both] * n_cols + col_owner[both]
    pairs, inverse = np.unique(cell, return_inverse=True)
    rows, cols = np.divmod(pairs, n_cols)
    sums = {key: np.bincount(inverse, weights=np.asarray(w)[both], minlength=len(pairs))
            for key, w in weights.items()}
    return rows, cols, sums


def blocks_in_study_area(blocks_id: str, assigned: set[str] | frozenset[str], study_id: str) -> set[str] | None:
    """Codes of the ``blocks_id`` units lying in the ``study_id`` units that the ``assigned`` blocks mostly fill.

    By LSOA membership, so exact: an option of England districts is reviewed inside its ICB, and its "blocks
    in no place" are that ICB's districts, not all of England's. A study unit counts when at least half of
    its LSOAs are in the option (an ICB the option only reaches into is not reviewed), else the one holding
    most of the option. None when either layer is not built of the same atoms.
    """
    blocks, study = unit_members(blocks_id), unit_members(study_id)
    if blocks is None or study is None or atom_layer(blocks_id) != atom_layer(study_id):
        return None
    fast = _blocks_in_study_area_by_owners(blocks_id, assigned, study_id)
    if fast is not None:
        return fast
    mine: set[str] = set()
    for code in assigned:
        mine |= blocks.get(code, frozenset())
    held = {code: len(atoms & mine) for code, atoms in study.items()}
    chosen = [code for code, n in held.items() if n and 2 * n >= len(study[code])]
    if not chosen and mine:
        chosen = [max(held, key=held.__getitem__)]
    area: set[str] = set().union(*(study[code] for code in chosen)) if chosen else set()
    return {code for code, atoms in blocks.items() if atoms & area}


def _blocks_in_study_area_by_owners(blocks_id: str, assigned: set[str] | frozenset[str],
                                    study_id: str) -> set[str] | None:
    """:func:`blocks_in_study_area` by counts over the atom layer's rows (:func:`unit_owner`), no sets of
    atoms; None (the caller counts with sets) unless both layers are grouped from the shared atom layer with
    every atom found there once."""
    import numpy as np

    from placegeo.layers import bundled_layer

    atom = atom_layer(blocks_id)
    if atom is None or atom in (blocks_id, study_id):
        return None
    source = bundled_layer(atom)
    owners = []
    for layer_id in (blocks_id, study_id):
        found = unit_owner(layer_id, source, unit_members(layer_id))
        if found is None or int((found[1] >= 0).sum()) != len(_groups(layer_id)[2]):
            return None
        owners.append(found)
    (block_codes, block_of), (study_codes, study_of) = owners
    wanted = np.fromiter((code in assigned for code in block_codes), dtype=bool, count=len(block_codes))
    mine = (block_of >= 0) & wanted[np.maximum(block_of, 0)]
    in_study = study_of >= 0
    size = np.bincount(study_of[in_study], minlength=len(study_codes))
    held = np.bincount(study_of[mine & in_study], minlength=len(study_codes))
    chosen = (held > 0) & (2 * held >= size)
    if not chosen.any() and mine.any():
        chosen[int(np.argmax(held))] = True
    area = in_study & chosen[np.maximum(study_of, 0)] & (block_of >= 0)
    return {block_codes[i] for i in np.unique(block_of[area]).tolist()}
