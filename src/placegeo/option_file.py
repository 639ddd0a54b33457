"""Option files read once: the text parsed with line numbers, every rule checked, every problem collected.

This is the one parser of the option rules (docs/options.md). :func:`parse_option` does not stop at the
first mistake: it returns the option as far as it could be read (an :class:`OptionSpec`) with every
problem as a :class:`Diagnostic` (a check id of :mod:`placegeo.checks.base`, the one-line message, the
1-based line in the file). :func:`placegeo.options.load_option` raises the first diagnostic;
``placegeo validate --option`` reports them all, so the two cannot disagree.

It raises (a :class:`~placegeo.errors.PlacegeoError`) only when there is nothing to check: the file
cannot be read from disk, or its blocks layer cannot be loaded while nothing else is wrong (a broken
layer is a layer's problem: ``placegeo validate LAYER`` says what).

Line numbers come from the YAML composer's node marks; TOML (the standard library parser keeps no
positions) gives line numbers only for syntax errors.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from placegeo.errors import OptionError, PlacegeoError

if TYPE_CHECKING:
    from placegeo.layers import Layer

OPTION_KEYS = {"name", "description", "blocks", "code_column", "name_column", "places", "file", "place_column",
               "layer", "crs", "level"}
LEVELS = ("place", "neighbourhood")
"""What an option's places are (``level:``): places (checked against the place band) or neighbourhoods (PCN-sized,
checked against the neighbourhood band). Without ``level:``, options built from PCNs are neighbourhoods."""
PLACE_KEYS = {"name", "blocks", "subunits", "description"}
OPTION_SUFFIXES = {".yaml", ".yml", ".toml"}
MAX_BYTES = 2_000_000
MAX_DIGITS = 4_300  # Python's own limit on int(text)
MAX_DEPTH = 100  # levels of nesting an option file may use (it needs 4)

Key = str | int


@dataclass(frozen=True)
class Diagnostic:
    """One problem in an option file: its check id, the one line a user reads, and where."""

    check: str
    message: str
    line: int | None = None
    hint: str | None = None
    code: str | None = None  # the block it is about, when it is about one
    figures: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def text(self) -> str:
        """The message with its hint, as the one-line error prints it (without the file)."""
        return f"{self.message} ({self.hint})" if self.hint else self.message

    def error(self, path: str | Path | None) -> OptionError:
        """The :class:`OptionError` that ``load_option`` raises for this diagnostic."""
        return OptionError(self.message, path=path, hint=self.hint, line=self.line)


class Lines:
    """The 1-based line of each value of a parsed document, by its path of keys and list indexes."""

    def __init__(self, table: dict[tuple[Key, ...], int] | None = None):
        self.table = table or {}

    def __call__(self, *path: Any) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one (None when nothing is known)."""
        for end in range(len(path), -1, -1):
            line = self.table.get(tuple(path[:end]))
            if line is not None:
                return line
        return None


@dataclass(frozen=True)
class PlaceSpec:
    """A place as written: its name, its blocks resolved to codes, its sub-units, and where it is."""

    name: str
    blocks: tuple[str, ...]
    subunits: OptionSpec | None = None
    line: int | None = None
    block_lines: dict[str, int | None] = field(default_factory=dict, compare=False, hash=False)


@dataclass
class OptionSpec:
    """An option file as far as it could be read, with every problem found in it."""

    name: str
    description: str
    places: list[PlaceSpec]
    blocks: Layer | None = None
    path: Path | None = None
    file: Path | None = None  # a drawn option: the polygon file, relative to the option file resolved
    place_column: str | None = None
    crs: str | None = None  # ``crs:``: the CRS of a blocks or drawn file that declares none
    level: str | None = None  # "place" or "neighbourhood" when the file says (``level:``), else None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing is wrong at any level."""
        return not self.diagnostics


@dataclass
class Document:
    """An option file's text, parsed: the data, the line of each value, or the problem that stopped it."""

    data: Any
    lines: Lines
    problem: Diagnostic | None = None


# ------------------------------------------------------------------------------------------------ reading text

def read_document(path: Path) -> Document:
    """Parse an option file safely (no YAML aliases, size-limited), keeping the line of every value.

    A file that cannot be read from disk raises; every other problem is the document's ``problem``.
    """
    _check_regular(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
            if len(data) > MAX_BYTES:
                data += handle.read()  # only to say how big it is
    except OSError as exc:
        raise OptionError(f"cannot read: {exc.strerror}", path=path) from None
    if len(data) > MAX_BYTES:
        return _broken(f"is {len(data):,} bytes; an option file is at most {MAX_BYTES:,}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _broken("is not UTF-8 text", line=data[: exc.start].count(b"\n") + 1)
    if path.suffix.lower() == ".toml":
        return _toml(text)
    return _yaml(text)


def _check_regular(path: Path) -> None:
    """A FIFO, device or socket would block or never end: refuse it before opening (one line)."""
    import stat

    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # reading says why
    if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        kind = "a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
        raise OptionError(f"is {kind}, not an option file", path=path)


def _too_long_number(text: str) -> Document:
    """Python refuses to read integers of more than 4,300 digits: say so, at the line, instead of failing."""
    found = re.search(r"\d{" + str(MAX_DIGITS + 1) + ",}", text)
    line = text.count("\n", 0, found.start()) + 1 if found else None
    digits = f"{len(found.group()):,} digits" if found else "too many digits"
    return _broken(f"holds a number of {digits}; at most {MAX_DIGITS:,}", line=line)


def _too_deep(line: int | None = None) -> Document:
    return _broken(f"nests values more than {MAX_DEPTH} levels deep", line=line)


def read_option_text(path: Path) -> dict[str, Any]:
    """The option file's data (a mapping), raising an :class:`OptionError` for any problem of its text."""
    document = read_document(path)
    if document.problem is None and not isinstance(document.data, dict):
        document.problem = _not_a_mapping()
    if document.problem is not None:
        raise document.problem.error(path)
    data: dict[str, Any] = document.data
    return data


def _broken(message: str, line: int | None = None) -> Document:
    return Document(None, Lines(), Diagnostic("option-syntax", message, line=line))


def _not_a_mapping() -> Diagnostic:
    return Diagnostic("option-structure", "is not an option file (expected a mapping with 'name' and 'places')",
                      line=1)


def _toml(text: str) -> Document:
    import tomllib

    try:
        return Document(tomllib.loads(text), Lines())
    except RecursionError:
        return _too_deep()
    except ValueError as exc:
        if "digits" in str(exc) and not isinstance(exc, tomllib.TOMLDecodeError):
            return _too_long_number(text)
        found = re.search(r"line (\d+)", str(exc))
        return _broken(f"is not valid TOML: {exc}", line=int(found.group(1)) if found else None)


def _yaml(text: str) -> Document:
    import yaml

    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: same result, faster
    try:
        depth = 0
        for event in yaml.parse(text, Loader=loader_class):
            if isinstance(event, yaml.AliasEvent):
                return _broken("uses YAML aliases (*name); option files may not", line=event.start_mark.line + 1)
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return _broken(f"nests values more than {MAX_DEPTH} levels deep", line=event.start_mark.line + 1)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        loader = loader_class(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
            table: dict[tuple[Key, ...], int] = {}
            if node is not None:
                _index_lines(loader, node, (), table)
        finally:
            loader.dispose()
        return Document(data, Lines(table))
    except _DuplicateKey as dup:
        return _broken(f"repeats the key '{dup.key}' at line {dup.line} (each key may appear once)", line=dup.line)
    except RecursionError:
        return _too_deep()
    except ValueError as exc:
        if "digits" not in str(exc):
            raise
        return _too_long_number(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        if "nesting depth" in problem:  # libyaml's own limit, met before ours
            return _too_deep(mark.line + 1 if mark else None)
        lines = text.splitlines()
        line = lines[mark.line] if mark and mark.line < len(lines) else ""
        if "\t" in line[: mark.column + 1 if mark else 0] or "'\\t'" in str(exc):
            problem = "a tab character (YAML indents with spaces)"
        return _broken(f"is not valid YAML{where}: {problem}", line=mark.line + 1 if mark else None)


class _DuplicateKey(Exception):
    """A mapping of the YAML repeats a key (YAML says keys are unique; PyYAML would keep the last)."""

    def __init__(self, key: str, line: int):
        super().__init__(key)
        self.key, self.line = key, line


def _index_lines(loader: Any, node: Any, path: tuple[Key, ...], table: dict[tuple[Key, ...], int]) -> None:
    """Record the line of every value under ``node``: a mapping entry at its key, a list item where it starts."""
    import yaml

    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            try:
                key = loader.construct_object(key_node, deep=True)
            except yaml.YAMLError:
                continue
            if not isinstance(key, str | int) or isinstance(key, bool):
                key = str(key)
            if key in seen:
                raise _DuplicateKey(str(key), key_node.start_mark.line + 1)
            seen.add(key)
            table.setdefault((*path, key), key_node.start_mark.line + 1)
            _index_lines(loader, value_node, (*path, key), table)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            table[(*path, index)] = item.start_mark.line + 1
            _index_lines(loader, item, (*path, index), table)


# ------------------------------------------------------------------------------------------------ the rules

def parse_option(source: str | Path | Mapping[str, Any], *, blocks: Layer | None = None) -> OptionSpec:
    """Read an option file (YAML or TOML) or a mapping and check every rule, collecting the problems.

    A polygon file (not YAML/TOML) is returned as a drawn option (``file`` set) without reading it.
    """
    if isinstance(source, Mapping):
        return parse_document(Document(dict(source), Lines()), base=Path.cwd(), path=None, blocks=blocks)
    path = Path(source)
    if not path.exists():
        raise OptionError("no such option file", path=path)
    if path.is_dir():
        raise OptionError("is a directory, not an option file", path=path)
    if path.suffix.lower() not in OPTION_SUFFIXES:
        return OptionSpec(name=path.stem, description="", places=[], path=path, file=path)
    return parse_document(read_document(path), base=path.parent, path=path, blocks=blocks)


def parse_document(document: Document, *, base: Path, path: Path | None, blocks: Layer | None = None) -> OptionSpec:
    """Check the rules on a parsed document (see :func:`parse_option`)."""
    if document.problem is None and not isinstance(document.data, dict):
        document.problem = _not_a_mapping()
    if document.problem is not None:
        return OptionSpec(name=path.stem if path else "option", description="", places=[], path=path,
                          diagnostics=[document.problem])
    rules = _Rules(document.lines, base, path)
    return rules.option(document.data, (), blocks=blocks, parent=None)


def _kind(value: Any) -> str:
    return type(value).__name__


class _Rules:
    """Walks one document, appending a Diagnostic for every rule broken (in the order of the file)."""

    def __init__(self, lines: Lines, base: Path, path: Path | None):
        self.lines, self.base, self.path = lines, base, path
        self.found: list[Diagnostic] = []

    def add(self, check: str, message: str, at: tuple[Key, ...], **extra: Any) -> None:
        self.found.append(Diagnostic(check, message, line=self.lines(*at), **extra))

    def option(self, raw: dict[Any, Any], at: tuple[Key, ...], *, blocks: Layer | None,
               parent: str | None) -> OptionSpec:
        """One option (or the sub-units of ``parent``): its keys, name, blocks layer and places."""
        start = len(self.found)
        where = f"sub-units of '{parent}'" if parent else "option"
        for key in sorted((k for k in raw if str(k) not in OPTION_KEYS), key=str):
            self.add("option-structure", f"unknown key '{key}' in {where} (allowed: {', '.join(sorted(OPTION_KEYS))})",
                     (*at, key))
        name = raw.get("name", f"{parent} sub-units" if parent else None)
        if name is None or (isinstance(name, str) and not name.strip()):
            self.add("option-structure", f"{where} has no name", (*at, "name"))
            name = ""
        elif not isinstance(name, str):
            self.add("option-structure", f"{where} 'name' should be a text, not {_kind(name)}", (*at, "name"))
            name = ""
        description = raw.get("description") or ""
        if not isinstance(description, str):
            self.add("option-structure", f"'description' should be a text, not {_kind(description)}",
                     (*at, "description"))
            description = ""
        spec = OptionSpec(name=name.strip(), description=description.strip(), places=[], path=self.path,
                          blocks=blocks)
        if "crs" in raw and not isinstance(raw["crs"], str):
            self.add("option-structure", f"'crs' should be a text such as EPSG:27700, not {_kind(raw['crs'])}",
                     (*at, "crs"))
        if "level" in raw:
            level = raw["level"]
            if isinstance(level, str) and level.strip().lower() in LEVELS:
                spec.level = level.strip().lower()
            else:
                self.add("option-structure", f"'level' should be {' or '.join(LEVELS)}, not {level!r}",
                         (*at, "level"))
        if "file" in raw:
            if isinstance(raw["file"], str):
                spec.file = self.base / raw["file"]
                column = raw.get("place_column")
                spec.place_column = column if isinstance(column, str) else None
                crs = raw.get("crs")
                spec.crs = crs if isinstance(crs, str) else None
            else:
                self.add("option-structure", f"'file' should be a text, not {_kind(raw['file'])}", (*at, "file"))
            spec.diagnostics = self.found[start:]
            return spec
        if "places" not in raw:
            self.add("option-structure", f"{where} has no 'places' (nor a polygon 'file')", at)
        if parent is None and spec.blocks is None:
            spec.blocks = self.blocks_layer(raw, at, where)
        if "places" in raw:
            spec.places = self.places(raw["places"], (*at, "places"), where, spec.blocks)
        spec.diagnostics = self.found[start:]
        return spec

    def blocks_layer(self, raw: dict[Any, Any], at: tuple[Key, ...], where: str) -> Layer | None:
        """The building-block layer ``blocks:`` names; its load error is raised only when nothing else is wrong."""
        if "blocks" not in raw:
            self.add("option-structure", f"{where} does not say which layer its blocks come from ('blocks: lad21')",
                     at)
            return None
        if not isinstance(raw["blocks"], str):
            self.add("option-structure", f"'blocks' should be a text, not {_kind(raw['blocks'])}", (*at, "blocks"))
            return None
        try:
            return blocks_layer(raw, self.base, self.path)
        except PlacegeoError:
            if self.found:
                return None  # the mistakes already found come first; the layer is checked once they are fixed
            raise

    def places(self, items: Any, at: tuple[Key, ...], where: str, layer: Layer | None) -> list[PlaceSpec]:
        """Every place of a list: each checked, then names and blocks checked across places."""
        if not isinstance(items, list):
            self.add("option-structure", f"'places' should be a list, not {_kind(items)}", at)
            return []
        if not items:
            self.add("option-structure", f"{where} has no places", at)
            return []
        resolve = BlockResolver(layer, self.path) if layer is not None else None
        places = [p for i, item in enumerate(items) if (p := self.place(item, (*at, i), resolve, layer)) is not None]
        seen: set[str] = set()
        owner: dict[str, str] = {}
        names = dict(zip(layer.codes, layer.names, strict=True)) if layer is not None else {}
        for place in places:
            if place.name in seen:
                self.found.append(Diagnostic("option-place-name", f"two places are named '{place.name}'",
                                             line=place.line))
            seen.add(place.name)
            for code in place.blocks:
                if code in owner:
                    self.found.append(Diagnostic(
                        "option-block-twice", f"block {code} ({names.get(code, code)}) is in two places: "
                        f"'{owner[code]}' and '{place.name}'", line=place.block_lines.get(code, place.line),
                        code=code, figures={"places": [owner[code], place.name]}))
                else:
                    owner[code] = place.name
        return places

    def place(self, item: Any, at: tuple[Key, ...], resolve: BlockResolver | None,
              layer: Layer | None) -> PlaceSpec | None:
        """One place: keys, name, sub-units, blocks (resolved), not empty, no block twice, sub-units tile it."""
        if not isinstance(item, dict):
            self.add("option-structure", f"each place should be a mapping, not {_kind(item)}", at)
            return None
        for key in sorted((k for k in item if str(k) not in PLACE_KEYS), key=str):
            self.add("option-structure", f"unknown key '{key}' in a place (allowed: {', '.join(sorted(PLACE_KEYS))})",
                     (*at, key))
        name = item.get("name")
        line = self.lines(*at, "name")
        if name is None or (isinstance(name, str | int) and not isinstance(name, bool) and not str(name).strip()):
            self.add("option-place-name", "a place has no name", at)
            name = f"place {at[-1] + 1}" if isinstance(at[-1], int) else "place"
        elif not isinstance(name, str | int) or isinstance(name, bool):
            self.add("option-place-name", f"a place's 'name' should be a text, not {_kind(name)}", (*at, "name"))
            name = f"place {at[-1] + 1}" if isinstance(at[-1], int) else "place"
        name = str(name).strip()
        subunits = None
        if item.get("subunits") is not None:
            if isinstance(item["subunits"], dict):
                subunits = self.option(item["subunits"], (*at, "subunits"), blocks=layer, parent=name)
            else:
                self.add("option-structure", f"'subunits' of '{name}' should be a mapping, not "
                         f"{_kind(item['subunits'])}", (*at, "subunits"))
        raw_blocks = item.get("blocks")
        codes: list[str] = []
        block_lines: dict[str, int | None] = {}
        unresolved = False
        if raw_blocks is None and subunits is not None:
            codes = list(dict.fromkeys(c for p in subunits.places for c in p.blocks))
        elif raw_blocks is not None and not isinstance(raw_blocks, list):
            self.add("option-structure", f"'blocks' of '{name}' should be a list, not {_kind(raw_blocks)}",
                     (*at, "blocks"))
            unresolved = True
        elif raw_blocks:
            for i, block in enumerate(raw_blocks):
                if resolve is None:
                    unresolved = True
                    continue
                code, problem = resolve.resolve(block, name)
                where = (*at, "blocks", i)
                if problem is not None:
                    self.found.append(Diagnostic("option-block-unknown", problem.message, line=self.lines(*where),
                                                 hint=problem.hint, code=str(block)))
                    unresolved = True
                elif code is None:  # pragma: no cover - resolve() gives a code or a problem
                    unresolved = True
                elif code in block_lines:
                    self.add("option-block-twice", f"block {code} is listed twice in place '{name}'", where, code=code)
                else:
                    codes.append(code)
                    block_lines[code] = self.lines(*where)
        if not codes and not unresolved and (resolve is not None or not raw_blocks):
            self.add("option-place-empty", f"place '{name}' is empty (no blocks)", at)
        if subunits is not None and raw_blocks is not None and resolve is not None:
            sub_codes = {c for p in subunits.places for c in p.blocks}
            missing, extra = sorted(set(codes) - sub_codes), sorted(sub_codes - set(codes))
            if (missing or extra) and subunits.ok and not unresolved:
                self.add("option-subunits-mismatch", f"the sub-units of '{name}' do not tile it "
                         f"({len(missing) + len(extra)} blocks differ): {_mismatch(missing, extra, layer)}", at,
                         code=(missing + extra)[0],
                         figures={"place": name, "missing": missing, "extra": extra,
                                  "blocks": sorted(missing + extra)})
        return PlaceSpec(name=name, blocks=tuple(codes), subunits=subunits, line=line or self.lines(*at),
                         block_lines=block_lines)


def _mismatch(missing: list[str], extra: list[str], layer: Layer | None) -> str:
    """Which blocks a place and its sub-units disagree on, at most five of each named."""
    parts = []
    for codes, what in ((missing, "in no sub-unit"), (extra, "in a sub-unit but not in the place")):
        if codes:
            shown = ", ".join(codes[:5]) + (f" and {len(codes) - 5} more" if len(codes) > 5 else "")
            parts.append(f"{len(codes)} block(s) of {layer.id if layer else 'the blocks layer'} {what} ({shown})")
    return "; ".join(parts)


# ------------------------------------------------------------------------------------------------ blocks

def blocks_layer(raw: dict[str, Any], base: Path, path: Path | None) -> Layer:
    """The building-block layer an option file names (``blocks:``), a bundled id or a path relative to it."""
    from placegeo.catalogue import is_bundled
    from placegeo.layers import load_layer, reading

    ref = raw["blocks"]
    if not isinstance(ref, str):
        raise OptionError(f"'blocks' should be a text, not {_kind(ref)}", path=path)
    source = ref if is_bundled(ref) else str(base / ref)
    try:
        with reading(crs=crs_key(raw, path)):  # for a blocks file without a CRS; a declared one is kept
            return load_layer(source, code=raw.get("code_column"), name=raw.get("name_column"),
                              layer=raw.get("layer"))
    except PlacegeoError as err:
        if path is not None and err.path is None:
            err.path = str(path)
        raise


def crs_key(raw: dict[str, Any], path: Path | None) -> str | None:
    """``crs:`` of an option file: the CRS of its blocks or drawn file when that file declares none."""
    crs = raw.get("crs")
    if crs is not None and not isinstance(crs, str):
        raise OptionError(f"'crs' should be a text such as EPSG:27700, not {_kind(crs)}", path=path)
    return crs


class BlockResolver:
    """Resolve a block given by code or by name (case-insensitive) to its code, with suggestions."""

    def __init__(self, layer: Layer, path: Path | None):
        self.layer, self.path = layer, path
        self.codes = set(layer.codes)
        self.by_name: dict[str, list[str]] = {}
        for code, name in zip(layer.codes, layer.names, strict=True):
            self.by_name.setdefault(name.casefold().strip(), []).append(code)

    def __call__(self, block: Any, place: str) -> str:
        """The code of ``block``; an :class:`OptionError` when it is unknown, ambiguous or not a code or name."""
        code, problem = self.resolve(block, place)
        if problem is not None:
            raise problem.error(self.path)
        return code  # type: ignore[return-value]

    def resolve(self, block: Any, place: str) -> tuple[str | None, Diagnostic | None]:
        """(code, None) for a block that resolves, else (None, the diagnostic saying why not)."""
        if isinstance(block, bool) or not isinstance(block, str | int):
            return None, Diagnostic("option-block-unknown",
                                    f"block {block!r} in place '{place}' should be a code or a name")
        text = str(block).strip()
        if text in self.codes:
            return text, None
        matches = self.by_name.get(text.casefold(), [])
        if len(matches) == 1:
            return matches[0], None
        if len(matches) > 1:
            return None, Diagnostic("option-block-unknown", f"block '{text}' in place '{place}' is ambiguous: it "
                                    f"names {', '.join(matches)}; use the code")
        pool = list(self.codes) + [n for codes in self.by_name.values() for n in codes]
        names = {n.casefold(): n for n in self.layer.names}
        close = difflib.get_close_matches(text.casefold(), list(names), n=3, cutoff=0.6)
        close = [names[c] for c in close] or difflib.get_close_matches(text, pool, n=3)
        hint = f"did you mean {', '.join(close)}?" if close else f"see the codes in layer {self.layer.id}"
        return None, Diagnostic("option-block-unknown", f"unknown block '{text}' in place '{place}' "
                                f"(layer {self.layer.id})", hint=hint)
