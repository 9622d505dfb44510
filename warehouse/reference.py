"""Reference tables built from data: `regions` and `indicators`, and the claim codes they decide.

`regions` holds every division the extractors resolve regions to: the division dataset
(`reform_facts.divisions`) plus the additions of rules/regions.yaml (全国, 兵团),
one row per code as the extractors resolve it (the first name given for a code wins, so
a code shared by a city and its 市直辖行政区划 row is the city). `indicators` is
rules/indicators_canonical.yaml. A table is rewritten only when its content changed, so that a
load of unchanged data leaves it as it was.
"""
from __future__ import annotations

import hashlib
from functools import cache

import duckdb
import pandas as pd

from reform_facts import divisions
from reform_facts.divisions import dataset_regions
from reform_facts.errors import WarehouseError
from reform_facts.rulebook import load_rulebook
from reform_facts.warehouse.indicators import IndicatorMap, load_canonical
from reform_facts.warehouse.store import utc_now

REGION_COLUMNS = ["code", "name", "short_name", "level", "parent_code"]
INDICATOR_COLUMNS = ["code", "name", "name_en", "quantity_type", "aliases"]


@cache
def regions_frame() -> pd.DataFrame:
    """The regions table's rows, with the gazetteer's resolution of shared codes.

    >>> frame = regions_frame().set_index("code")
    >>> frame.loc["420111", ["name", "parent_code"]].tolist()
    ['洪山区', '420100']
    """
    short = {}
    for region, alias in dataset_regions():
        short.setdefault(region.code, alias or None)
    rows = [(r.code, r.name, short.get(r.code), r.level, r.parent) for r in divisions.by_code(load_rulebook().regions).values()]
    frame = pd.DataFrame(rows, columns=REGION_COLUMNS).sort_values("code", ignore_index=True)
    orphans = set(frame["parent_code"].dropna()) - set(frame["code"])
    if orphans:
        raise WarehouseError(f"regions: parent codes {sorted(orphans)[:5]} are not divisions of the data")
    return frame


@cache
def _regions_digest() -> str:
    return frame_digest(regions_frame())


def indicators_frame(canonical: IndicatorMap) -> pd.DataFrame:
    rows = [(i.code, i.name, i.name_en, i.quantity_type.value, list(i.aliases)) for i in canonical.indicators]
    return pd.DataFrame(rows, columns=INDICATOR_COLUMNS)


def frame_digest(frame: pd.DataFrame) -> str:
    """A digest of a frame's content (column names and every value, in order)."""
    digest = hashlib.sha256("\x1f".join(frame.columns).encode())
    for row in frame.itertuples(index=False):
        digest.update(repr(tuple(row)).encode("utf-8"))
    return digest.hexdigest()


def refresh(con: duckdb.DuckDBPyConnection, *, canonical: IndicatorMap | None = None) -> list[str]:
    """Rewrite the reference tables whose source changed; recode claims if the indicators did.

    Runs inside the caller's transaction. Returns the names of the tables rewritten.
    """
    canonical = canonical or load_canonical()
    changed = []
    indicators = indicators_frame(canonical)
    for name, frame, digest in (("regions", regions_frame(), _regions_digest()),
                                ("indicators", indicators, _indicators_digest(indicators, canonical))):
        stored = con.execute("SELECT digest FROM reference_data WHERE name = ?", [name]).fetchone()
        if stored and stored[0] == digest:
            continue
        con.execute(f"DELETE FROM {name}")
        con.register("reference_rows", frame)
        con.execute(f"INSERT INTO {name} ({', '.join(frame.columns)}) "
                    f"SELECT {', '.join(frame.columns)} FROM reference_rows")
        con.unregister("reference_rows")
        con.execute("INSERT OR REPLACE INTO reference_data VALUES (?, ?, ?, ?)",
                    [name, digest, len(frame), utc_now()])
        changed.append(name)
    if "indicators" in changed:
        recode_claims(con, canonical)
    return changed


def _indicators_digest(indicators: pd.DataFrame, canonical: IndicatorMap) -> str:
    """The table's rows and the rest of the mapping rule (bare phrases): either changes the codes."""
    return hashlib.sha256((frame_digest(indicators) + canonical.digest).encode()).hexdigest()


def recode_claims(con: duckdb.DuckDBPyConnection, canonical: IndicatorMap) -> int:
    """Set claims.indicator_code again for every stored phrase and unit; returns the claims changed."""
    pairs = con.execute("SELECT DISTINCT indicator, unit FROM claims WHERE indicator IS NOT NULL").fetchall()
    mapping = pd.DataFrame({"indicator": [p for p, _ in pairs], "unit": [u for _, u in pairs],
                            "code": [canonical.code_for(p, u) for p, u in pairs]}, dtype=object)
    con.register("indicator_mapping", mapping)
    changed = con.execute("""
        UPDATE claims SET indicator_code = m.code FROM indicator_mapping m
        WHERE claims.indicator = m.indicator AND claims.unit IS NOT DISTINCT FROM m.unit
          AND claims.indicator_code IS DISTINCT FROM m.code
    """).fetchone()[0]
    con.unregister("indicator_mapping")
    return changed
