"""Disclosure control across the published tables: the geography (regions on both bases, clusters,
municipalities) and the service groupings solved together, so no table gives away what another hides."""

from __future__ import annotations

from collections import Counter

import sqlite_utils

from ..questionnaires import Questionnaire
from ..statistics import Figures
from . import cube as cube_module
from .figures import (
    _COUNTS,
    _MUNICIPALITIES_OF,
    _TOTAL_ITEMS,
    Query,
    _quarter_of,
    _sql,
    period_dates,
    quarter_figures,
)
from .groupings import NO_CLUSTER, grouping_for, is_service_grouping

SHOWN_COUNTS = ("eligible", "invited", "opened", "partial", "completed", "not_completed", "csq_n")


def spec_of(questionnaire: Questionnaire | None, responses: int = 0, threshold: int = 0) -> cube_module.Spec:
    """What is published of ``questionnaire`` besides the counts; ``responses`` (complete ones, the
    whole time) and ``threshold`` decide the histogram's columns."""
    if questionnaire is None:
        return cube_module.Spec()
    score_range = questionnaire.score_range if questionnaire.total == "sum" else None
    return cube_module.Spec(
        score_range=score_range,
        bin_width=cube_module.bin_width_for(score_range, responses, threshold),
        items={
            item.id: sorted(option.score for option in item.options)
            for item in questionnaire.items
            if item.scored
        },
    )


GEOGRAPHY = ("total", "region", "cluster", "municipality")


def _copy(figure: Figures) -> Figures:
    copy = Figures(group=figure.group, key=figure.key)
    copy.add(figure)
    return copy


def _geography(db: sqlite_utils.Database, query: Query, translate) -> dict:
    """The total, region (on either basis), cluster and municipality groupings' quarter figures,
    from one SQL pass over (municipality, region at the course start, quarter), and what a reader
    knows of who is in which group (``groups_of``)."""
    base = Query(**{**query.__dict__, "region_basis": "baseline"})
    cells, labels, _ = quarter_figures(db, base, "municipality_region", translate=translate)
    clusters = dict(
        db.execute(
            "SELECT cluster_municipality.municipality_code, cluster.id FROM cluster_municipality"
            " JOIN cluster ON cluster.id = cluster_municipality.cluster_id"
        ).fetchall()
    )
    cluster_names = dict(db.execute("SELECT id, name FROM cluster").fetchall())
    today = query.as_of.isoformat()
    spans = db.execute(
        "SELECT municipality_region.municipality_code, municipality_region.region_id, region.name,"
        " municipality_region.valid_from, municipality_region.valid_to"
        " FROM municipality_region JOIN region ON region.id = municipality_region.region_id"
    ).fetchall()
    current = {
        code: (region_id, name)
        for code, region_id, name, valid_from, valid_to in spans
        if valid_from <= today and (valid_to is None or valid_to >= today)
    }
    groupings: dict = {}
    for by in (*GEOGRAPHY, "region-current"):
        grouped: dict[tuple[str, str], Figures] = {}
        names: dict[str, str] = {}
        for (key, quarter), figure in cells.items():
            municipality, region = key.split("|", 1)
            municipality_name, region_name = labels[key].split("|", 1)
            if by == "municipality":
                group, name = municipality, municipality_name
            elif by == "region":
                group, name = region, region_name
            elif by == "region-current":
                group, name = current.get(municipality, (region, region_name))
            elif by == "cluster":
                group = clusters.get(municipality, "")
                name = cluster_names[group] if group else translate(NO_CLUSTER)
            else:
                group, name = "", "Total"
            names[group] = name
            target = grouped.get((group, quarter))
            if target is None:
                target = grouped[(group, quarter)] = Figures(group=name, key=group)
            target.add(figure)
            target.group = name
        grouping = grouping_for("region" if by == "region-current" else by)
        order = sorted(names, key=lambda key: grouping.sort_key(Figures(group=names[key], key=key)))
        groupings[by] = (grouped, names, order)
    # Both bases give every participant the same region until a municipality changes region.
    groupings["bases differ"] = False
    for key, _ in cells:
        municipality, region = key.split("|", 1)
        if municipality in current and current[municipality][0] != region:
            groupings["bases differ"] = True
            break
    everyone = groupings["municipality"][2]
    cache: dict = {}

    def groups_of(by: str, code: str, period: str) -> list:
        """The groups of ``by`` that a municipality's participants of ``period`` can be in."""
        if (by, code, period) not in cache:
            if by == "municipality":
                found = [code]
            elif by == "cluster":
                found = [clusters.get(code, "")]
            elif by == "region-current":
                found = [current[code][0]] if code in current else []
            else:
                first, last = (
                    (day.isoformat() for day in period_dates(period))
                    if period
                    else ("0001-01-01", "9999-12-31")
                )
                found = sorted(
                    {
                        region_id
                        for span_code, region_id, _, valid_from, valid_to in spans
                        if span_code == code
                        and valid_from <= last
                        and (valid_to is None or valid_to >= first)
                    }
                )
            cache[(by, code, period)] = found
        return cache[(by, code, period)]

    def overlaps(by: str, other: str):
        """``(group of by, period) -> the groups of other it overlaps``. Municipalities with no
        participants at all are in no view, so a reader knows their 0: only those listed in the
        municipality grouping count."""
        members: dict[tuple[str, str], set] = {}

        def owners(group: str, period: str) -> list:
            if (group, period) not in members:
                found = set()
                for code in everyone:
                    if group in groups_of(by, code, period):
                        found.update(groups_of(other, code, period))
                members[(group, period)] = found
            return sorted(members[(group, period)], key=str)

        return owners

    groupings["overlaps"] = overlaps
    return groupings


def _service_overlaps(db: sqlite_utils.Database, query: Query, by: str):
    """``(group, period) -> the municipalities`` whose participants of that period are in a group
    by fidelity or organisation answer: each such group is a sum of parts of municipalities."""
    sql, params = _sql(query, by, _MUNICIPALITIES_OF)
    present: dict[str, set] = {}
    for key, code, quarter in db.execute(sql, params).fetchall():
        present.setdefault(str(key), set()).add((code, quarter))
    quarters = sorted({quarter for pairs in present.values() for _, quarter in pairs})

    def owners(group: str, period: str) -> list:
        inside = set(cube_module.quarters_in(period, quarters))
        return sorted({code for code, quarter in present.get(group, ()) if quarter in inside})

    return owners


def _basis_name(basis: str) -> str:
    return "region" if basis == "baseline" else "region-current"


def protected(
    db: sqlite_utils.Database,
    query: Query,
    by: str,
    *,
    threshold: int,
    questionnaire: Questionnaire | None = None,
    translate=lambda text: text,
    spine: cube_module.Cube | None = None,
    _shared: dict | None = None,
) -> cube_module.Cube:
    """The grouping's cube over every offered period, solved (see ``cube``).

    The geography is solved as one: the regions on both bases and the clusters together, then the
    municipalities with those frozen (the same cube on either basis), then the groupings by
    fidelity and organisation answers with the municipalities frozen."""
    base = Query(**{**query.__dict__, "period": "", "start": None, "end": None})
    shared = _shared if _shared is not None else {}
    if "geography" not in shared:
        shared["geography"] = _geography(db, base, translate)
    geography = shared["geography"]
    if spine is None:
        spine = shared.get("spine")
    if spine is None:
        # The total's counts are the geography's; only the questions' answers need their own pass.
        geography_cells, labels, order = geography["total"]
        cells = {key: _copy(figure) for key, figure in geography_cells.items()}
        spec = spec_of(questionnaire, sum(figure.csq_n for figure in cells.values()), threshold)
        if spec.items:
            _, params = _sql(base, "total", _COUNTS)
            for quarter, item_id, score, n in db.execute(_TOTAL_ITEMS, params).fetchall():
                cell = cells.get(("", quarter))
                if cell is not None:
                    cell.items.setdefault(item_id, Counter())[score] += n
        spine = cube_module.protect(
            "total", cells, order, labels, spec, threshold, until=_quarter_of(base.cutoff)
        )
    shared["spine"] = spine
    spec = spine.spec  # every grouping publishes the total's histogram with the same columns
    if by == "total":
        return spine
    if threshold <= 0:
        name = _basis_name(query.region_basis) if by == "region" else by
        cells, labels, order = (
            geography[name]
            if name in (*GEOGRAPHY, "region-current")
            else quarter_figures(db, base, name, translate=translate)
        )
        return cube_module.protect(name, cells, order, labels, spec, threshold, spine=spine)
    if by in ("region", "cluster", "municipality") or is_service_grouping(by):
        if "regions" not in shared:
            bases = ["region", "region-current"] if geography["bases differ"] else ["region"]
            groupings = {name: geography[name] for name in (*bases, "cluster")}
            links = [(name, "cluster", geography["overlaps"](name, "cluster")) for name in bases]
            if len(bases) == 2:
                links.append(("region-current", "region", geography["overlaps"]("region-current", "region")))
            # Complements are taken from the clusters first, the regions on today's basis next, and the
            # regions at the course start (the dashboard's first table) last.
            shared["regions"] = cube_module.protect_together(
                groupings, links, spec, threshold, spine=spine, costs={"region": 2, "region-current": 1}
            )
        regions = shared["regions"]
        if by == "region":
            return regions.get(_basis_name(query.region_basis), regions["region"])
        if by == "cluster":
            return regions["cluster"]
        if "municipality" not in shared:
            cells, labels, order = geography["municipality"]
            parents = [
                (name, solved, geography["overlaps"]("municipality", name))
                for name, solved in regions.items()
            ]
            shared["municipality"] = cube_module.protect(
                "municipality", cells, order, labels, spec, threshold, spine=spine, parents=parents
            )
        if by == "municipality":
            return shared["municipality"]
        cells, labels, order = quarter_figures(db, base, by, translate=translate)
        parents = [("municipality", shared["municipality"], _service_overlaps(db, base, by))]
        return cube_module.protect(by, cells, order, labels, spec, threshold, spine=spine, parents=parents)
    cells, labels, order = quarter_figures(db, base, by, translate=translate)
    return cube_module.protect(by, cells, order, labels, spec, threshold, spine=spine)
