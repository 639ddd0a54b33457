"""Reading NHS practice files as published: PCN membership, practice locations, list sizes, registrations.

Each reader accepts the column names NHS England / NHS Digital publish (and the few renamings that public
copies carry, such as R's ``Number.of.Patients``), checks what it needs, and raises one ``InputError`` line
naming the file and the problem otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from placegeo.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

# wanted column -> accepted published spellings (first match wins)
PRACTICE = ("PRACTICE_CODE", "PRAC_CODE", "Partner Organisation Code", "ORG_CODE", "CODE", "PCode")
PCN_CODE = ("PCN_CODE", "PCN Code")
PCN_NAME = ("PCN_NAME", "PCN Name", "PCN")
PRACTICE_NAME = ("PRACTICE_NAME", "PRAC_NAME", "Partner Name", "Practice Name")
LATITUDE = ("PRAC_LAT", "LATITUDE", "LAT", "lat")
LONGITUDE = ("PRAC_LNG", "LONGITUDE", "LONG", "LNG", "lng", "lon")
LSOA = ("LSOA_CODE", "LSOA11CD", "LSOA_CODE_2011")
PATIENTS = ("NUMBER_OF_PATIENTS", "Number.of.Patients", "Number of Patients")
END_DATE = ("Practice to PCN Relationship End Date",)


@dataclass
class Membership:
    """Practice -> PCN, as of ``vintage`` (the file's EXTRACT_DATE, ISO date, or '' when the file has none)."""

    frame: pd.DataFrame  # PRACTICE_CODE, PRACTICE_NAME, PCN_CODE, PCN_NAME
    vintage: str
    path: str

    @property
    def pcn_of(self) -> dict[str, str]:
        return dict(zip(self.frame.PRACTICE_CODE, self.frame.PCN_CODE, strict=True))

    @property
    def pcn_names(self) -> dict[str, str]:
        return dict(zip(self.frame.PCN_CODE, self.frame.PCN_NAME, strict=False))


@dataclass
class Registrations:
    """Registered patients by practice x LSOA (PRACTICE_CODE, LSOA_CODE, PATIENTS), as of ``vintage``."""

    frame: pd.DataFrame
    vintage: str
    path: str


def read_csv(path: str | Path) -> pd.DataFrame:
    """A CSV read as text (codes keep their leading zeros), or one line saying why it cannot be."""
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise InputError("no such file", path=path)
    if path.is_dir():
        raise InputError("is a directory, not a CSV file", path=path)
    if not path.is_file():  # a FIFO or a device: reading would wait forever
        raise InputError("is not a regular file (a FIFO or a device), not a CSV file", path=path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("is not valid UTF-8 text", path=path) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"cannot read as CSV: {str(exc).splitlines()[0][:160]}", path=path) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise InputError("has no rows", path=path)
    return frame


def pick(frame: pd.DataFrame, choices: tuple[str, ...], path: str | Path, what: str, *, required: bool = True):
    """The first of ``choices`` that is a column of ``frame`` (None, or an error naming the columns, if none is)."""
    for column in choices:
        if column in frame.columns:
            return column
    if not required:
        return None
    raise InputError(f"has no {what} column (expected one of {', '.join(choices)}; "
                     f"columns: {', '.join(map(str, frame.columns[:12]))})", path=path)


def extract_date(frame: pd.DataFrame) -> str:
    """The file's EXTRACT_DATE as an ISO date ('01Oct2025' -> '2025-10-01'), '' when absent."""
    if "EXTRACT_DATE" not in frame.columns:
        return ""
    values = sorted(set(frame["EXTRACT_DATE"].dropna().str.strip()))
    if not values:
        return ""
    dates = []
    for value in values:
        for fmt in ("%d%b%Y", "%d%B%Y", "%Y-%m-%d", "%d/%m/%Y"):
            try:
                dates.append(datetime.strptime(value.title(), fmt).date().isoformat())
                break
            except ValueError:
                continue
        else:
            dates.append(value)
    return max(dates)


def read_membership(path: str | Path, *, icb: str | None = None) -> Membership:
    """Practice -> PCN from NHS England's gp-reg-pat-prac-map.csv (or ODS ePCN core partners, or a
    two-column practice/PCN table). ``icb`` keeps the rows of one ICB_CODE or ONS_ICB_CODE only."""
    frame = read_csv(path)
    practice = pick(frame, PRACTICE, path, "practice code")
    code = pick(frame, PCN_CODE, path, "PCN code", required=False)
    name = pick(frame, PCN_NAME, path, "PCN name", required=code is None)
    end = pick(frame, END_DATE, path, "end date", required=False)
    if end:  # ODS keeps ended memberships: drop them for a point-in-time map
        frame = frame[frame[end].isna()]
    if icb:
        columns = [c for c in ("ICB_CODE", "ONS_ICB_CODE") if c in frame.columns]
        if not columns:
            raise InputError("has no ICB_CODE column to select --icb by", path=path)
        frame = frame[frame[columns].eq(icb).any(axis=1)]
        if frame.empty:
            raise InputError(f"has no practices in ICB {icb}", path=path)
    out = frame.assign(
        PRACTICE_CODE=frame[practice].str.strip(),
        PCN_CODE=frame[code or name].str.strip(),
        PCN_NAME=frame[name or code].str.strip() if (name or code) else "",
    )
    pname = pick(frame, PRACTICE_NAME, path, "practice name", required=False)
    out["PRACTICE_NAME"] = frame[pname].str.strip() if pname else ""
    out = out[["PRACTICE_CODE", "PRACTICE_NAME", "PCN_CODE", "PCN_NAME"]]
    missing = out.PRACTICE_CODE.isna() | out.PCN_CODE.isna()
    if missing.any():
        row = int(missing.to_numpy().argmax()) + 2
        raise InputError(f"{int(missing.sum())} row(s) have no practice or PCN code (first: line {row})", path=path)
    out = out.drop_duplicates()
    dupes = out.PRACTICE_CODE[out.PRACTICE_CODE.duplicated()]
    if len(dupes):
        raise InputError(f"practice {dupes.iloc[0]} is listed in more than one PCN", path=path)
    out["PCN_NAME"] = out.PCN_NAME.fillna(out.PCN_CODE)
    return Membership(out.reset_index(drop=True), extract_date(frame), str(path))


def read_practices(source: str | Path) -> gpd.GeoDataFrame:
    """Practice points in EPSG:27700 with PRACTICE_CODE (and LIST_SIZE when the source has a LIST_SIZE* column).

    ``source`` is a CSV with PRAC_CODE, PRAC_LAT, PRAC_LNG (the ONSPD-geocoded practice lookup layout), or a
    point layer (a bundled id such as ``practices``, or a vector file) with a practice code column.
    Practices with no coordinates are kept out and listed in ``frame.attrs['unlocated']``.
    """
    import geopandas as gpd
    import pandas as pd

    text = str(source)
    if text.lower().endswith((".csv", ".txt")):
        frame = read_csv(source)
        practice = pick(frame, PRACTICE, source, "practice code")
        lat = pick(frame, LATITUDE, source, "latitude")
        lng = pick(frame, LONGITUDE, source, "longitude")
        coords = frame[[lat, lng]].apply(pd.to_numeric, errors="coerce")
        located = coords.notna().all(axis=1)
        out = gpd.GeoDataFrame(
            {"PRACTICE_CODE": frame[practice].str.strip()},
            geometry=gpd.points_from_xy(coords[lng], coords[lat]), crs="EPSG:4326",
        )
        sizes = [c for c in frame.columns if str(c).upper().startswith("LIST_SIZE")]
        if sizes:
            out["LIST_SIZE"] = pd.to_numeric(frame[sizes[0]], errors="coerce")
        unlocated = sorted(out.PRACTICE_CODE[~located])
        out = out[located]
        bad = (coords[lat].abs() > 90) | (coords[lng].abs() > 180)
        if bad.any():
            raise InputError(f"practice {frame[practice][bad].iloc[0]} has coordinates outside lat/long range",
                             path=source)
        out = out.to_crs("EPSG:27700")
    else:
        from placegeo.layers import load_layer

        layer = load_layer(source, geometry="point")
        frame = layer.frame
        practice = pick(frame, PRACTICE, source, "practice code")
        out = gpd.GeoDataFrame({"PRACTICE_CODE": frame[practice].astype(str).str.strip()},
                               geometry=frame.geometry.values, crs=frame.crs)
        sizes = [c for c in frame.columns if str(c).upper().startswith("LIST_SIZE")]
        if sizes:
            out["LIST_SIZE"] = pd.to_numeric(frame[sizes[0]], errors="coerce").to_numpy()
        unlocated = []
    dupes = out.PRACTICE_CODE[out.PRACTICE_CODE.duplicated()]
    if len(dupes):
        raise InputError(f"practice {dupes.iloc[0]} has more than one location", path=source)
    out = out.reset_index(drop=True)
    out.attrs["unlocated"] = unlocated
    return out


def read_list_sizes(path: str | Path) -> pd.Series:
    """Registered patients per practice from gp-reg-pat-prac-all.csv (CODE, NUMBER_OF_PATIENTS; SEX/AGE ALL)."""
    import pandas as pd

    frame = read_csv(path)
    practice = pick(frame, PRACTICE, path, "practice code")
    patients = pick(frame, PATIENTS, path, "number of patients")
    for column in ("SEX", "AGE"):
        if column in frame.columns and (frame[column] == "ALL").any():
            frame = frame[frame[column] == "ALL"]
    counts = pd.to_numeric(frame[patients], errors="coerce")
    if counts.isna().any():
        raise InputError(f"{int(counts.isna().sum())} row(s) have a non-numeric {patients}", path=path)
    return counts.groupby(frame[practice].str.strip()).sum()


def read_registrations(path: str | Path) -> Registrations:
    """Registered patients by practice x LSOA from NHS Digital's gp-reg-pat-prac-lsoa-all.csv layout."""
    import pandas as pd

    frame = read_csv(path)
    practice = pick(frame, PRACTICE, path, "practice code")
    lsoa = pick(frame, LSOA, path, "LSOA code")
    patients = pick(frame, PATIENTS, path, "number of patients")
    if "SEX" in frame.columns and (frame["SEX"] == "ALL").any():
        frame = frame[frame["SEX"] == "ALL"]
    counts = pd.to_numeric(frame[patients], errors="coerce")
    if counts.isna().any() or (counts < 0).any():
        raise InputError(f"{patients} must be a non-negative number on every row", path=path)
    out = pd.DataFrame({"PRACTICE_CODE": frame[practice].str.strip(), "LSOA_CODE": frame[lsoa].str.strip(),
                        "PATIENTS": counts})
    out = out.groupby(["PRACTICE_CODE", "LSOA_CODE"], as_index=False)["PATIENTS"].sum()
    return Registrations(out, extract_date(frame), str(path))
