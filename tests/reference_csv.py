"""The files migration 0002 was written from (``tests/data/reference/``), read as the app read them
at run time before the migration carried its own rows (``survey_app/migration_data/
m0002_geography.py``). Test data only: nothing in ``survey_app`` reads them.

Regions change over time: Region Hovedstaden and Region Sjælland merge into
Region Østdanmark on 1 January 2027. So a municipality's region is stored
as periods with validity dates (``valid_to`` inclusive, ``None`` while
still valid), and a participant's region is taken as of a given date.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

FOLDER = Path(__file__).parent / "data" / "reference"


@dataclass(frozen=True)
class Region:
    id: str
    name: str
    code: str | None
    valid_from: date
    valid_to: date | None
    successor: str | None


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    region: str  # the region at the earliest date, see membership_periods()


def _read_csv(name: str) -> list[dict[str, str]]:
    with (FOLDER / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _date_or_none(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def regions() -> list[Region]:
    return [
        Region(
            id=row["id"],
            name=row["name"],
            code=row["code"] or None,
            valid_from=date.fromisoformat(row["valid_from"]),
            valid_to=_date_or_none(row["valid_to"]),
            successor=row["successor"] or None,
        )
        for row in _read_csv("regions.csv")
    ]


def municipalities() -> list[Municipality]:
    return [Municipality(row["code"], row["name"], row["region"]) for row in _read_csv("municipalities.csv")]


def membership_periods(municipality_list: list[Municipality], region_list: list[Region]) -> list[dict]:
    """One row per municipality and period it belonged to a region.

    A municipality in a region with a successor moves to the successor the
    day after the region's last day; chains of successors are followed.
    """
    by_id = {region.id: region for region in region_list}
    rows = []
    for municipality in municipality_list:
        region = by_id[municipality.region]
        start = region.valid_from
        while True:
            rows.append(
                {
                    "municipality_code": municipality.code,
                    "region_id": region.id,
                    "valid_from": start.isoformat(),
                    "valid_to": region.valid_to.isoformat() if region.valid_to else None,
                }
            )
            if region.successor is None or region.valid_to is None:
                break
            start = region.valid_to + timedelta(days=1)
            region = by_id[region.successor]
    return rows


def tables() -> dict[str, list[dict]]:
    """The rows migration 0002 inserted from the files, table by table, in the order it inserted them."""
    region_list, municipality_list = regions(), municipalities()
    return {
        "region": [
            {
                "id": r.id,
                "name": r.name,
                "code": r.code,
                "valid_from": r.valid_from.isoformat(),
                "valid_to": r.valid_to.isoformat() if r.valid_to else None,
            }
            for r in region_list
        ],
        "municipality": [{"code": m.code, "name": m.name} for m in municipality_list],
        "municipality_region": membership_periods(municipality_list, region_list),
    }
