"""The fidelity scales (IPS-25, IPS-15) and the bands their scores fall in, read from TOML files
and checked as strictly as the questionnaires."""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..config import DATA_ROOT
from ..questionnaires import DEFAULT_LANGUAGE, localise

DEFAULT_DIR = DATA_ROOT / "questionnaires" / "fidelity"


BANDS_FILE = "bands.toml"


# On the same date, an IPS-25 review is preferred to one on another scale.
PREFERRED_SCALE = "ips25"


_KEY = re.compile(r"[a-z][a-z0-9_]*\Z")


_SCALE_KEYS = {"id", "name", "title", "min_score", "max_score", "conversion_factor", "sections"}


_SECTION_KEYS = {"id", "title", "items"}


_ITEM_KEYS = {"id", "name"}


_BAND_KEYS = {"key", "above", "from", "label", "short"}


class FidelityError(Exception):
    """A scale or bands file is not valid; the message names the file, the place and the problem."""


@dataclass(frozen=True)
class Item:
    id: str
    name: dict[str, str]
    section: str
    number: int  # 1-based position in the whole scale, as reports cite items ("item 17")

    def label(self, language: str = DEFAULT_LANGUAGE) -> str:
        return f"{self.number}. {localise(self.name, language)}"


@dataclass(frozen=True)
class Section:
    id: str
    title: dict[str, str]
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Scale:
    id: str
    name: str  # "IPS-25": a proper name, the same in every language
    title: dict[str, str]
    min_score: int
    max_score: int
    conversion_factor: float
    sections: tuple[Section, ...]
    source: str

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for section in self.sections for item in section.items)

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)

    def item(self, item_id: str) -> Item | None:
        return next((item for item in self.items if item.id == item_id), None)

    @property
    def total_range(self) -> tuple[int, int]:
        count = len(self.items)
        return count * self.min_score, count * self.max_score

    def total(self, scores: Mapping[str, int]) -> int:
        """The sum of every item's score; ValueError when an item is missing or out of range."""
        missing = [item_id for item_id in self.item_ids if item_id not in scores]
        unknown = sorted(set(scores) - set(self.item_ids))
        if missing or unknown:
            raise ValueError(f"{self.id}: scores missing for {missing}, unknown items {unknown}")
        for item_id, score in scores.items():
            if isinstance(score, bool) or not isinstance(score, int):
                raise ValueError(f"{self.id}: score of {item_id} is not a whole number: {score!r}")
            if not self.min_score <= score <= self.max_score:
                raise ValueError(
                    f"{self.id}: score of {item_id} is outside {self.min_score}-{self.max_score}"
                )
        return sum(scores.values())

    def ips25_equivalent(self, total: int) -> float:
        """The total on the IPS-25 scale: ``total × conversion_factor``, unrounded."""
        return float(total * self.conversion_factor)


def _text_table(value, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise FidelityError(f'{where}: must be a table of texts by language, e.g. {{ da = "..." }}')
    if not (value.get(DEFAULT_LANGUAGE) or "").strip():
        raise FidelityError(f"{where}: the Danish text (da) is missing")
    return dict(value)


def _table_id(raw, allowed: set[str], where: str, seen: set[str], rule: str) -> str:
    """The ``id`` of a section or item table, checked (known keys, its form, not seen before) and noted as seen."""
    if not isinstance(raw, dict):
        raise FidelityError(f"{where}: must be a table")
    _unknown_keys(raw, allowed, where)
    table_id = raw.get("id")
    if not isinstance(table_id, str) or not _KEY.match(table_id):
        raise FidelityError(f"{where}: id must be {rule}")
    if table_id in seen:
        raise FidelityError(f"{where}: id {table_id!r} is used twice")
    seen.add(table_id)
    return table_id


def _unknown_keys(table: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise FidelityError(
            f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
        )


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise FidelityError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as error:
        raise FidelityError(f"{path}: not valid TOML: {error}") from None


def _whole_number(data: dict, key: str, where: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise FidelityError(f"{where}: {key} must be a whole number")
    return value


def load_scale(path: Path) -> Scale:
    """Read and check one scale file; :class:`FidelityError` names the file, the key and the problem."""
    path = Path(path)
    data = _read_toml(path)
    top = f"{path}: top level"
    _unknown_keys(data, _SCALE_KEYS, top)
    scale_id = data.get("id")
    if not isinstance(scale_id, str) or not _KEY.match(scale_id):
        raise FidelityError(f'{top}: id must be lower-case letters and digits, e.g. "ips25"')
    if scale_id != path.stem:
        raise FidelityError(f"{top}: id {scale_id!r} must be the file's name ({path.stem!r})")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise FidelityError(f'{top}: name is missing (e.g. "IPS-25")')
    title = _text_table(data.get("title"), f"{top}: title")
    min_score = _whole_number(data, "min_score", top)
    max_score = _whole_number(data, "max_score", top)
    if not 1 <= min_score < max_score <= 5:
        raise FidelityError(
            f"{top}: scores must run from min_score to a higher max_score within 1-5 (as stored)"
        )
    factor = data.get("conversion_factor", 1.0)
    if (
        isinstance(factor, bool)
        or not isinstance(factor, int | float)
        or not math.isfinite(factor)
        or factor <= 0
    ):
        raise FidelityError(f"{top}: conversion_factor must be a positive number")
    raw_sections = data.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        raise FidelityError(f"{top}: sections: at least one [[sections]] is needed")
    sections: list[Section] = []
    seen_items: set[str] = set()
    seen_sections: set[str] = set()
    number = 0
    for s_index, raw in enumerate(raw_sections, start=1):
        where = f"{path}: sections[{s_index}]"
        section_id = _table_id(raw, _SECTION_KEYS, where, seen_sections, "lower-case letters, digits or _")
        section_title = _text_table(raw.get("title"), f"{where} ({section_id}): title")
        raw_items = raw.get("items")
        if not isinstance(raw_items, list) or not raw_items:
            raise FidelityError(f"{where} ({section_id}): items: at least one item is needed")
        items = []
        for i_index, raw_item in enumerate(raw_items, start=1):
            item_where = f"{where} ({section_id}): items[{i_index}]"
            item_id = _table_id(
                raw_item, _ITEM_KEYS, item_where, seen_items, 'lower-case letters and digits, e.g. "s1"'
            )
            number += 1
            items.append(
                Item(
                    id=item_id,
                    name=_text_table(raw_item.get("name"), f"{item_where} ({item_id}): name"),
                    section=section_id,
                    number=number,
                )
            )
        sections.append(Section(id=section_id, title=section_title, items=tuple(items)))
    return Scale(
        id=scale_id,
        name=name.strip(),
        title=title,
        min_score=min_score,
        max_score=max_score,
        conversion_factor=float(factor),
        sections=tuple(sections),
        source=str(path),
    )


def load_scales(directory: Path = DEFAULT_DIR) -> dict[str, Scale]:
    """Every scale file in ``directory`` (all ``*.toml`` but ``bands.toml``), by id."""
    scales = {}
    for path in sorted(Path(directory).glob("*.toml")):
        if path.name != BANDS_FILE:
            scale = load_scale(path)
            scales[scale.id] = scale
    if PREFERRED_SCALE not in scales:
        raise FidelityError(f"{directory}: the IPS-25 scale ({PREFERRED_SCALE}.toml) is missing")
    # IPS-25 first: forms and templates list the scales in this order.
    return {PREFERRED_SCALE: scales.pop(PREFERRED_SCALE), **scales}


def scale_by_name(scales: Mapping[str, Scale], text: str) -> Scale | None:
    """A scale from its id or name as people write it: ``ips25``, ``IPS-25``, ``IPS 25``."""
    wanted = re.sub(r"[\s_-]+", "", (text or "").strip().lower())
    return next(
        (s for s in scales.values() if wanted in (s.id, re.sub(r"[\s_-]+", "", s.name.lower()))),
        None,
    )


@dataclass(frozen=True)
class Band:
    """A range of IPS-25 totals: strictly ``above`` a value, ``from`` a value on, or the rest."""

    key: str
    labels: dict[str, str]
    shorts: dict[str, str]
    above: float | None = None
    from_: float | None = None

    @property
    def label(self) -> str:
        """The Danish label, e.g. "God IPS (høj fidelitet)"."""
        return self.labels[DEFAULT_LANGUAGE]

    def text(self, language: str = DEFAULT_LANGUAGE) -> str:
        return localise(self.labels, language)

    def short(self, language: str = DEFAULT_LANGUAGE) -> str:
        return localise(self.shorts, language)

    @property
    def threshold(self) -> float | None:
        return self.above if self.above is not None else self.from_

    def contains_from_below(self, value: float) -> bool:
        """Whether ``value`` reaches this band (ignoring the bands above it)."""
        if self.above is not None:
            return value > self.above
        if self.from_ is not None:
            return value >= self.from_
        return True

    def condition_sql(self, value: str) -> str:
        if self.above is not None:
            return f"{value} > {self.above!r}"
        if self.from_ is not None:
            return f"{value} >= {self.from_!r}"
        return f"{value} IS NOT NULL"


def load_bands(path: Path) -> tuple[Band, ...]:
    """Read and check a bands file: highest band first, thresholds falling, the last without one."""
    path = Path(path)
    data = _read_toml(path)
    _unknown_keys(data, {"bands"}, f"{path}: top level")
    raw_bands = data.get("bands")
    if not isinstance(raw_bands, list) or len(raw_bands) < 2:
        raise FidelityError(f"{path}: bands: at least two [[bands]] are needed")
    bands: list[Band] = []
    for index, raw in enumerate(raw_bands, start=1):
        where = f"{path}: bands[{index}]"
        if not isinstance(raw, dict):
            raise FidelityError(f"{where}: must be a table")
        _unknown_keys(raw, _BAND_KEYS, where)
        key = raw.get("key")
        if not isinstance(key, str) or not _KEY.match(key):
            raise FidelityError(f"{where}: key must be lower-case letters, digits or _")
        where = f"{where} ({key})"
        if any(band.key == key for band in bands):
            raise FidelityError(f"{where}: key is used twice")
        limits = {name: raw[name] for name in ("above", "from") if name in raw}
        last = index == len(raw_bands)
        if last and limits:
            raise FidelityError(f"{where}: the last band takes every lower value; give it no above or from")
        if not last and len(limits) != 1:
            raise FidelityError(f"{where}: give exactly one of above (strictly over) or from (at least)")
        for name, value in limits.items():
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise FidelityError(f"{where}: {name} must be a number")
        threshold = next(iter(limits.values()), None)
        if threshold is not None and bands and threshold >= bands[-1].threshold:
            raise FidelityError(f"{where}: thresholds must fall from one band to the next")
        labels = _text_table(raw.get("label"), f"{where}: label")
        shorts = _text_table(raw["short"], f"{where}: short") if "short" in raw else labels
        bands.append(
            Band(
                key=key,
                labels=labels,
                shorts=shorts,
                above=float(limits["above"]) if "above" in limits else None,
                from_=float(limits["from"]) if "from" in limits else None,
            )
        )
    return tuple(bands)


# The bands, in display order (highest first), for reports and pages.
BANDS: tuple[Band, ...] = load_bands(DEFAULT_DIR / BANDS_FILE)


def band_for(value: float | None, bands: Sequence[Band] = BANDS) -> Band | None:
    """The band of an IPS-25 total or equivalent; ``None`` for ``None`` (no review)."""
    if value is None:
        return None
    return next(band for band in bands if band.contains_from_below(value))


def band_by_key(key: str | None, bands: Sequence[Band] = BANDS) -> Band | None:
    return next((band for band in bands if band.key == key), None)


def band_sql(value_expr: str, bands: Sequence[Band] = BANDS) -> str:
    """A CASE expression giving the band key of ``value_expr``, NULL when it is NULL (no review).

    The value is computed once per row, even when it is a correlated subquery
    such as :func:`matched_review_sql`: it is selected in a one-row derived table.
    """
    whens = " ".join(f"WHEN {band.condition_sql('band_value')} THEN '{band.key}'" for band in bands)
    return f"(SELECT CASE {whens} END FROM (SELECT {value_expr} AS band_value) AS banded)"
