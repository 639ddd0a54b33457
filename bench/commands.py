"""Every command near its floor (issue 17): whole commands in fresh processes, each beside its floor, run in
turn (so a slow spell of the shared machine falls on both sides), best of N wall-clock times, as ratios.

    python bench/run.py --only commands [--repeat 3] [--quick]

| case | command | floor | target |
|---|---|---|---|
| overlap | `placegeo overlap england/lsoa21 england/lad21` (the text table) | the same with `--format csv` | <= 1.5x |
| validate | `placegeo validate england/lsoa21` | imports + reading the layer's file (`read_frame`) | <= 3x |
| report | `placegeo report` of the two L&SC options, every format, maps | `placegeo compare` of the same | <= 2x |
| map | `placegeo map` of the two L&SC options side by side, CCG splits hatched | the same `compare` | <= 2x |
| map scaling | `placegeo map` of 5,000 places (one per LSOA) | the same map of 500 places | <= 10x (linear) |

The places of the scaling case are the England LSOAs nearest the centre of Birmingham (one place each,
named by the LSOA), written to option files in a temporary directory.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LSC = ["data/options/lsc-five-partnerships-2019.yaml", "data/options/lsc-four-places-2022.yaml"]
AGAINST = ["--against", "lad21", "ctyua21", "ccg21"]
CENTRE = (407_000, 287_000)  # Birmingham, EPSG:27700

READ_LAYER = """
import placegeo.cli, shapely
from placegeo.catalogue import get_entry
from placegeo.layers import read_frame
entry = get_entry("england/lsoa21")
read_frame(entry.path, layer=entry.layer)
"""


def _env() -> dict[str, str]:
    """As in an installed package: bytecode may be written (so neither side compiles placegeo each run)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def placegeo(*args: str) -> list[str]:
    return [sys.executable, "-m", "placegeo", "--quiet", *args]


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


CPU: dict[str, float] = {}
"""Best CPU seconds (user + system, all threads) per command line run, for the summary: on a busy machine the
wall-clock ratio of a command that uses two threads depends on how many cores are idle; the CPU ratio does not."""


def wall(argv: list[str]) -> float:
    """Wall-clock seconds of one fresh process (its output read and dropped); a failure stops the bench."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, env=_env())
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):  # 1: validate's findings
        raise SystemExit(f"bench: {' '.join(argv[2:])} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    key = " ".join(argv)
    CPU[key] = min(CPU.get(key, float("inf")), cpu)
    return elapsed


def side_by_side(command: list[str], floor: list[str], repeat: int) -> tuple[float, float]:
    """(best command time, best floor time): one untimed warm-up of each, then ``repeat`` runs each, in turn."""
    wall(floor)
    wall(command)
    t_command = t_floor = float("inf")
    for _ in range(repeat):
        t_floor = min(t_floor, wall(floor))
        t_command = min(t_command, wall(command))
    return t_command, t_floor


def cpu_ratio(command: list[str], floor: list[str]) -> float:
    return CPU[" ".join(command)] / CPU[" ".join(floor)]


def lsoa_option(folder: Path, n: int) -> Path:
    """An option of ``n`` places, one per England LSOA, the ``n`` nearest ``CENTRE``."""
    import geopandas as gpd
    import numpy as np
    import yaml

    from placegeo.catalogue import get_entry

    entry = get_entry("england/lsoa21")
    frame = gpd.read_parquet(entry.path, columns=[entry.code, entry.name, "geometry"])
    points = frame.geometry.representative_point()
    order = np.argsort(np.hypot(points.x - CENTRE[0], points.y - CENTRE[1]).to_numpy(), kind="stable")[:n]
    rows = frame.iloc[order]
    doc = {"name": f"One place per LSOA ({n:,})", "blocks": "england/lsoa21",
           "places": [{"name": name, "blocks": [code]} for code, name in zip(rows[entry.code], rows[entry.name],
                                                                             strict=True)]}
    path = folder / f"lsoa-{n}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def row(case: str, command: str, t_command: float, floor: str, t_floor: float, target: float, cpu: float) -> dict:
    ratio = t_command / t_floor
    ok = "ok" if ratio <= target else "ABOVE TARGET"
    print(f"{case:<12} {t_command:8.2f} s  {floor:<44} {t_floor:8.2f} s  {ratio:6.2f}x  (target <= {target:g}x, {ok}; "
          f"CPU {cpu:.2f}x)", flush=True)
    return {"case": case, "command": command, "command_s": t_command, "floor": floor, "floor_s": t_floor,
            "ratio": ratio, "target": target, "cpu_ratio": cpu}


def command_cases(repeat: int = 3, quick: bool = False) -> list[dict]:
    """Every case of the module docstring, printed as it finishes; the rows, for the summary."""
    repeat = 1 if quick else max(1, repeat)
    rows = []
    print("\ncommands near their floor (fresh processes, best of "
          f"{repeat}; command time, floor time, command/floor)", flush=True)
    with tempfile.TemporaryDirectory(prefix="placegeo-bench-") as tmp:
        folder = Path(tmp)
        overlap = placegeo("overlap", "england/lsoa21", "england/lad21")
        csv = [*overlap, "--format", "csv"]
        t, f = side_by_side(overlap, csv, repeat)
        rows.append(row("overlap", "placegeo overlap england/lsoa21 england/lad21", t, "the same, --format csv", f,
                        1.5, cpu_ratio(overlap, csv)))
        validate, read = placegeo("validate", "england/lsoa21"), python(READ_LAYER)
        t, f = side_by_side(validate, read, repeat)
        rows.append(row("validate", "placegeo validate england/lsoa21", t, "imports + read_frame(lsoa21.parquet)", f,
                        3.0, cpu_ratio(validate, read)))
        compare = placegeo("compare", *LSC, *AGAINST)
        report = placegeo("report", *LSC, *AGAINST, "--out", str(folder / "report"), "--force")
        t, f = side_by_side(report, compare, repeat)
        rows.append(row("report", "placegeo report (L&SC, 2 options, every format)", t,
                        "placegeo compare (the same options)", f, 2.0, cpu_ratio(report, compare)))
        mapping = placegeo("map", *LSC, "--side-by-side", "--highlight-splits", "ccg21", "--out",
                           str(folder / "map.png"), "--force")
        t, f = side_by_side(mapping, compare, repeat)
        rows.append(row("map", "placegeo map (L&SC, 2 options side by side)", t, "placegeo compare (the same options)",
                        f, 2.0, cpu_ratio(mapping, compare)))
        small, large = (200, 2_000) if quick else (500, 5_000)
        few, many = lsoa_option(folder, small), lsoa_option(folder, large)
        big = placegeo("map", str(many), "--out", str(folder / "many.png"), "--force")
        little = placegeo("map", str(few), "--out", str(folder / "few.png"), "--force")
        t, f = side_by_side(big, little, 1)
        rows.append(row("map scaling", f"placegeo map of {large:,} places", t, f"the same map of {small:,} places", f,
                        10.0, cpu_ratio(big, little)))
    return rows


def summary(rows: list[dict]) -> None:
    """The cases side by side, as the table docs/dev/speed.md quotes."""
    print("\n| command | time | floor | floor time | ratio | target | CPU ratio |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for r in rows:
        print(f"| `{r['command']}` | {r['command_s']:.2f} s | {r['floor']} | {r['floor_s']:.2f} s | "
              f"{r['ratio']:.2f}x | <= {r['target']:g}x | {r['cpu_ratio']:.2f}x |")
