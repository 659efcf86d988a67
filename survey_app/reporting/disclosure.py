"""Disclosure control: which published counts and sums must be hidden, so that none can be worked out.

One rule set for every published figure (pure: no Flask, no database). A
*problem* holds cells (whole numbers: counts of participants, or sums of
their scores) and the relations an attacker knows between them:

- equations ``Σ coefficient × cell = 0`` (a total is the sum of its groups,
  eligible = completed + not completed, a question's options add up to its
  N, a sum of scores is N × mean, a year is the sum of its half-years …);
- inequalities ``Σ coefficient × cell ≥ 0`` (opened ≥ completed + partial,
  a sum of CSQ-8 totals lies between 8 × N and 32 × N …).

:meth:`Problem.solve` hides cells in three steps:

1. *Primary*: every count below the threshold (zero included) is hidden
   and marked ``SMALL`` ("<5"); a shown "<5" is therefore always true.
2. *Forced*: cells the caller hides for another reason (differencing of
   nested views) are marked ``SMALL`` when below the threshold, else
   ``PROTECT``.
3. *Complementary*: while any hidden cell can be pinned to one value from
   the published numbers, hide another cell of a relation that pins it
   (``PROTECT``, "×": hidden only to protect another figure, never "<5").

What "can be pinned" means is the attacker of this module, in two parts:

- interval propagation over every equation and inequality, knowing that a
  shown number is exact, that "<5" lies in 0..threshold-1, that "×" is at
  least the threshold and that counts are never negative, until nothing
  narrows further. Sums and differences of rows and columns, N × mean, and
  single-relation bounds such as "opened 6, completed 6, partial <5 means
  partial = 0" are all special cases;
- exact elimination over the equations together (``_determined``): a
  hidden cell is pinned when some combination of equations leaves it alone,
  however many unknowns each equation has (e.g. "not in a cluster" = the
  total minus the one region whose municipalities are all in clusters,
  through the regions and the clusters' parts in them).

Not covered: combinations of the two (an equation solved jointly that only
then narrows a bound), and inequalities combined with each other.

Before solving, cells that the frozen shown cells alone fix by the equations
(e.g. a group that is exactly the sum of groups published elsewhere) are
public already: none is chosen as a (useless) complement, and none counts
as given away here (the views that froze the cells give it away, which is
theirs to prevent). They are still hidden where a rule says so ("<5",
nested views).

``implies`` links figures that are published together: hiding a group's
N hides its mean (the sum of scores), a question's hidden option count
hides that question's mean. Cells so hidden are marked ``DERIVED`` ("–")
and lie in ``[0, ∞)`` for the attacker.

``frozen`` cells are published elsewhere with a status already decided
(e.g. the national total, shared by every grouping): they keep it, and are
never chosen as a complement.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable

SMALL = "small"  # below the threshold: "<5"
PROTECT = "protect"  # at or above the threshold, hidden to protect another figure: "×"
DERIVED = "derived"  # hidden because a figure it is computed from is hidden: "–"

COUNT = "count"  # a number of participants (or teams): subject to the threshold
SUM = "sum"  # a sum of scores or of squared scores: never shown directly

INF = math.inf


class Problem:
    """Cells, the relations between them, and which of them are hidden."""

    def __init__(self, threshold: int):
        self.threshold = threshold
        self.index: dict[Hashable, int] = {}
        self.keys: list[Hashable] = []
        self.values: list[int] = []
        self.kinds: list[str] = []
        self.frozen: list[bool] = []
        self.costs: list[int] = []
        self.published: list[bool] = []
        self.marks: list[str | None] = []
        self.constraints: list[tuple[tuple[tuple[int, int], ...], bool]] = []  # (terms, is_equation)
        self.of_cell: list[list[int]] = []
        self.implies: dict[int, list[int]] = defaultdict(list)
        self.unresolved: set[Hashable] = set()
        self.public: set[int] = set()  # pinned by the frozen cells alone (see ``_note_public``)

    # -- building -------------------------------------------------------------

    def cell(
        self, key: Hashable, value: int, kind: str = COUNT, cost: int = 0, *, published: bool = True
    ) -> Hashable:
        """Add a cell (once per key; a second call with the same key keeps the first value).

        ``cost``: how much is lost when this cell is hidden as a complement (margins cost more
        than the groups they sum), so cheaper cells are chosen first. An unpublished cell (e.g.
        the part of a cluster that lies in one region) is never shown: it links published cells,
        and the attacker may well pin it."""
        if key not in self.index:
            self.index[key] = len(self.keys)
            self.keys.append(key)
            self.values.append(int(value))
            self.kinds.append(kind)
            self.frozen.append(False)
            self.costs.append(cost)
            self.published.append(published)
            self.marks.append(None if published else DERIVED)
            self.of_cell.append([])
        return key

    def __contains__(self, key: Hashable) -> bool:
        return key in self.index

    def value(self, key: Hashable) -> int:
        return self.values[self.index[key]]

    def _relation(self, terms: Iterable[tuple[int, Hashable]], equation: bool) -> None:
        collected: dict[int, int] = defaultdict(int)
        for coefficient, key in terms:
            if coefficient:
                collected[self.index[key]] += coefficient
        packed = tuple((c, i) for i, c in collected.items() if c)
        if len(packed) < 2:
            return
        number = len(self.constraints)
        self.constraints.append((packed, equation))
        for _, i in packed:
            self.of_cell[i].append(number)

    def equal(self, whole: Hashable, parts: Iterable[Hashable]) -> None:
        """``whole = Σ parts``."""
        self._relation([(1, whole), *((-1, part) for part in parts)], True)

    def linear(self, terms: Iterable[tuple[int, Hashable]]) -> None:
        """``Σ coefficient × cell = 0``."""
        self._relation(terms, True)

    def at_least(self, terms: Iterable[tuple[int, Hashable]]) -> None:
        """``Σ coefficient × cell ≥ 0``."""
        self._relation(terms, False)

    def link(self, source: Hashable, *targets: Hashable) -> None:
        """Hiding ``source`` hides every target too."""
        self.implies[self.index[source]].extend(self.index[target] for target in targets)

    def freeze(self, key: Hashable, mark: str | None) -> None:
        """Fix a cell's status as published elsewhere (``None``: shown)."""
        i = self.index[key]
        self.frozen[i] = True
        self.marks[i] = mark

    def hide(self, key: Hashable) -> None:
        """Hide a cell for a reason of the caller's (it keeps a true mark)."""
        i = self.index[key]
        if self.marks[i] is None and not self.frozen[i]:
            self._hide(i, self._true_mark(i))

    # -- reading ---------------------------------------------------------------

    def mark(self, key: Hashable) -> str | None:
        return self.marks[self.index[key]]

    def shown(self, key: Hashable) -> bool:
        return self.marks[self.index[key]] is None

    # -- solving ---------------------------------------------------------------

    def _true_mark(self, i: int) -> str:
        if self.kinds[i] == COUNT and self.values[i] < self.threshold:
            return SMALL
        return PROTECT

    def _hide(self, i: int, mark: str) -> None:
        pending = [(i, mark)]
        while pending:
            j, how = pending.pop()
            if self.marks[j] is not None or self.frozen[j]:
                continue
            self.marks[j] = how
            for k in self.implies.get(j, ()):
                if self.marks[k] is None and not self.frozen[k]:
                    pending.append((k, SMALL if self._true_mark(k) == SMALL else DERIVED))

    def solve(self) -> Problem:
        """Primary suppression, then complements until no hidden cell can be pinned."""
        if self.threshold <= 0:
            return self
        self._note_public()
        for i, kind in enumerate(self.kinds):
            if kind == COUNT and self.values[i] < self.threshold and self.marks[i] is None:
                self._hide(i, SMALL)
        tried: set[int] = set()
        while True:
            # The cheap attacker first; the exact elimination when it finds nothing more.
            bounds = self.intervals()
            exposed = [
                i
                for i, (low, high) in bounds.items()
                if low == high and self.published[i] and i not in tried and i not in self.public
            ]
            certificates: dict[int, dict[int, int]] = {}
            if not exposed:
                certificates = self._certificates()
                exposed = sorted(i for i in certificates if i not in tried and i not in self.public)
            if not exposed:
                break
            progress = False
            for i in exposed:
                if self.marks[i] is None:
                    continue
                if i in certificates:
                    complement = self._breaking(certificates[i])
                    if complement is None:
                        complement = self._complement(i, self._pinning(i, bounds))
                else:
                    complement = self._complement(i, self._pinning(i, bounds))
                if complement is None:
                    tried.add(i)
                    self.unresolved.add(self.keys[i])
                    continue
                self._hide(complement, PROTECT if self._true_mark(complement) == PROTECT else SMALL)
                progress = True
            if not progress:
                break
        self.unresolved = {self.keys[i] for i in self.pinned() if i not in self.public}
        return self

    def _bounds(self, i: int) -> tuple[float, float]:
        mark = self.marks[i]
        if mark is None:
            return self.values[i], self.values[i]
        if self.kinds[i] == COUNT and mark == SMALL:
            return 0, self.threshold - 1
        if self.kinds[i] == COUNT and mark == PROTECT:
            return self.threshold, INF
        return 0, INF

    def intervals(self) -> dict[int, tuple[float, float]]:
        """What the attacker can narrow every hidden cell to (see the module's docstring)."""
        bounds = {i: self._bounds(i) for i, mark in enumerate(self.marks) if mark is not None}
        if not bounds:
            return bounds
        # Each relation touching a hidden cell, reduced to its hidden terms and the sum of its
        # shown ones (which stay fixed while the attacker narrows).
        reduced: dict[int, tuple[list[tuple[int, int]], int, bool]] = {}
        for number in {c for i in bounds for c in self.of_cell[i]}:
            terms, equation = self.constraints[number]
            hidden_terms, constant = [], 0
            for coefficient, i in terms:
                if i in bounds:
                    hidden_terms.append((coefficient, i))
                else:
                    constant += coefficient * self.values[i]
            reduced[number] = (hidden_terms, constant, equation)
        queue = set(reduced)
        rounds = 0
        while queue and rounds < 200:
            rounds += 1
            next_queue: set[int] = set()
            for number in queue:
                hidden_terms, constant, equation = reduced[number]
                for i, new in _narrow(hidden_terms, constant, equation, bounds):
                    bounds[i] = new
                    next_queue.update(self.of_cell[i])
            queue = next_queue
        return bounds

    def _interval_pinned(self) -> list[int]:
        return [i for i, (low, high) in self.intervals().items() if low == high and self.published[i]]

    def pinned(self) -> list[int]:
        """Hidden published cells the attacker can narrow to a single value."""
        found = self._interval_pinned()
        known = set(found)
        return found + [i for i in self._determined(known) if i not in known]

    def _determined(self, known: Iterable[int] = (), unknown: Iterable[int] | None = None) -> list[int]:
        """Unknown published cells that the equations together fix (see ``_eliminate``). ``known``:
        hidden cells already pinned otherwise; ``unknown``: default, the hidden cells."""
        return list(self._certificates(known, unknown))

    def _certificates(
        self, known: Iterable[int] = (), unknown: Iterable[int] | None = None
    ) -> dict[int, dict[int, int]]:
        """Each unknown published cell that the equations together fix, with the combination of
        equations (constraint number -> coefficient) that fixes it."""
        if unknown is None:
            unknown = (i for i, mark in enumerate(self.marks) if mark is not None)
        unknowns = set(unknown) - set(known)
        rows, numbers = [], []
        for number in sorted({c for i in unknowns for c in self.of_cell[i]}):
            terms, equation = self.constraints[number]
            if equation:
                row = {i: c for c, i in terms if i in unknowns}
                if row:
                    rows.append(row)
                    numbers.append(number)
        return {
            i: {numbers[r]: c for r, c in combination.items()}
            for i, combination in _eliminate(rows).items()
            if self.published[i]
        }

    def _cheapest(self, cells: Iterable[int]) -> int | None:
        """Of these cells, the cheapest to hide as a complement (shown, not frozen, not public)."""
        useful = [j for j in cells if self.marks[j] is None and not self.frozen[j] and j not in self.public]
        if not useful:
            return None
        return min(useful, key=lambda j: (self.costs[j], self.kinds[j] != COUNT, self.values[j], j))

    def _pinning(self, i: int, bounds: dict[int, tuple[float, float]]) -> set[int]:
        """The relations of cell ``i`` that, given what the attacker knows of the other cells
        (``bounds``), pin it by themselves: hiding a cell of another relation would not help."""
        found = set()
        for number in self.of_cell[i]:
            terms, equation = self.constraints[number]
            hidden_terms, constant = [], 0
            for coefficient, j in terms:
                if j in bounds:
                    hidden_terms.append((coefficient, j))
                else:
                    constant += coefficient * self.values[j]
            alone = {**{j: bounds[j] for _, j in hidden_terms}, i: self._bounds(i)}
            low, high = dict(_narrow(hidden_terms, constant, equation, alone)).get(i, alone[i])
            if low == high:
                found.add(number)
        return found

    def _breaking(self, certificate: dict[int, int]) -> int | None:
        """The cheapest shown cell (not frozen, not public) that the combination of equations
        ``certificate`` needs: hiding it breaks that way of fixing the cell. Cells that cancel out
        in the combination are of no use, however near."""
        combined: dict[int, int] = defaultdict(int)
        for number, factor in certificate.items():
            for coefficient, j in self.constraints[number][0]:
                combined[j] = (combined[j] + factor * coefficient) % _PRIME
        return self._cheapest(j for j, coefficient in combined.items() if coefficient)

    def _note_public(self) -> None:
        """Note what the frozen cells alone pin (see the module's docstring)."""
        if not any(self.frozen):
            return
        open_cells = [i for i in range(len(self.keys)) if not self.frozen[i] or self.marks[i] is not None]
        self.public = {i for i in self._determined((), open_cells) if not self.frozen[i]}

    def _complement(self, i: int, pinning: set[int] = frozenset()) -> int | None:
        """The cell to hide next to protect cell ``i``: shown, not frozen and not public, in a
        relation of ``i`` or, failing that, of a hidden cell related to ``i``; the cheapest, then
        one of the relations that pin ``i`` by themselves (``pinning``), then the nearest, then
        from the relation with the fewest hidden cells, then the smallest value (counts first)."""
        best = None
        seen_relations: set[int] = set()
        frontier = [i]
        for distance in range(3):
            next_frontier = []
            for cell in frontier:
                for number in self.of_cell[cell]:
                    if number in seen_relations:
                        continue
                    seen_relations.add(number)
                    terms, _ = self.constraints[number]
                    hidden = sum(1 for _, j in terms if self.marks[j] is not None)
                    for _, j in terms:
                        if self.marks[j] is not None:
                            if j != cell:
                                next_frontier.append(j)
                            continue
                        if self.frozen[j] or j in self.public:
                            continue
                        rank = (
                            self.costs[j],
                            number not in pinning,
                            distance,
                            hidden,
                            self.kinds[j] != COUNT,
                            self.values[j],
                            j,
                        )
                        if best is None or rank < best[0]:
                            best = (rank, j)
            if best is not None and best[0][0] == 0:
                break
            frontier = next_frontier
        return None if best is None else best[1]


_PRIME = 2**61 - 1  # exact enough: a wrong answer needs a determinant divisible by it


def _eliminate(rows: list[dict[int, int]]) -> dict[int, dict[int, int]]:
    """The unknowns fixed by the equations ``Σ coefficient × unknown = constant`` (constants
    left out: which unknowns are fixed does not depend on them): those whose unit vector lies in
    the span of the rows, each with that combination of the rows (row position -> coefficient).
    Sparse Gauss-Jordan elimination modulo a large prime, shortest rows first; an unknown is fixed
    when its pivot row, fully reduced, holds nothing else."""
    pivots: dict[int, dict[int, int]] = {}
    combinations: dict[int, dict[int, int]] = {}  # pivot -> the input rows its row is made of
    position: dict[int, int] = {}  # pivot -> when it was made

    def subtract(row: dict[int, int], factor: int, other: dict[int, int]) -> None:
        for j, c in other.items():
            value = (row.get(j, 0) - factor * c) % _PRIME
            if value:
                row[j] = value
            else:
                row.pop(j, None)

    for number in sorted(range(len(rows)), key=lambda n: len(rows[n])):
        row = {i: c % _PRIME for i, c in rows[number].items() if c % _PRIME}
        combination = {number: 1}
        # A pivot's row holds only pivots made after it: removing the earliest first ends.
        while True:
            present = [i for i in row if i in pivots]
            if not present:
                break
            first = min(present, key=position.__getitem__)
            factor = row[first]
            subtract(row, factor, pivots[first])
            subtract(combination, factor, combinations[first])
        if not row:
            continue
        pivot = next(iter(row))
        inverse = pow(row[pivot], _PRIME - 2, _PRIME)
        pivots[pivot] = {j: c * inverse % _PRIME for j, c in row.items()}
        combinations[pivot] = {r: c * inverse % _PRIME for r, c in combination.items()}
        position[pivot] = len(position)
    # Back substitution, last pivot first: each row then holds its pivot and free unknowns only.
    for pivot in sorted(pivots, key=position.__getitem__, reverse=True):
        row = pivots[pivot]
        for i in [i for i in row if i != pivot and i in pivots]:
            factor = row[i]
            subtract(row, factor, pivots[i])
            subtract(combinations[pivot], factor, combinations[i])
    return {pivot: combinations[pivot] for pivot, row in pivots.items() if len(row) == 1}


def _narrow(terms, constant: int, equation: bool, bounds: dict):
    """New bounds for the hidden cells of one relation ``Σ terms + constant = 0`` (or ``≥ 0``),
    from the bounds of its other hidden cells."""
    low_sum = high_sum = float(constant)
    low_inf = high_inf = 0  # how many terms contribute -inf / +inf
    parts = []
    for coefficient, i in terms:
        low, high = bounds[i]
        a, b = (
            (coefficient * low, coefficient * high)
            if coefficient > 0
            else (coefficient * high, coefficient * low)
        )
        parts.append((coefficient, i, a, b))
        if a == -INF:
            low_inf += 1
        else:
            low_sum += a
        if b == INF:
            high_inf += 1
        else:
            high_sum += b
    for coefficient, i, a, b in parts:
        # The other terms together lie in [rest_low, rest_high].
        rest_high = INF if high_inf - (b == INF) > 0 else high_sum - (0 if b == INF else b)
        rest_low = -INF if low_inf - (a == -INF) > 0 else low_sum - (0 if a == -INF else a)
        low, high = bounds[i]
        # equation: coefficient × x = -rest; inequality: coefficient × x ≥ -rest_high.
        if coefficient > 0:
            new_low = -rest_high / coefficient
            new_high = -rest_low / coefficient if equation else INF
        else:
            new_high = rest_high / -coefficient
            new_low = rest_low / -coefficient if equation else -INF
        new_low = max(low, math.ceil(new_low - 1e-9) if new_low != -INF else low)
        new_high = min(high, math.floor(new_high + 1e-9) if new_high != INF else high)
        if (new_low, new_high) != (low, high) and new_low <= new_high:
            yield i, (new_low, new_high)


# -- what a page shows in a hidden cell ------------------------------------------


class Hidden:
    """A hidden figure: falsy, with the text shown in its place ("<5", "×" or "–")."""

    __slots__ = ("mark", "text")

    def __init__(self, mark: str, text: str):
        self.mark = mark
        self.text = text

    def __bool__(self) -> bool:
        return False

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Hidden({self.mark!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Hidden) and other.mark == self.mark

    def __hash__(self) -> int:
        return hash(self.mark)


PROTECT_TEXT = "×"
DERIVED_TEXT = "–"


def mark_text(mark: str, threshold: int) -> str:
    if mark == SMALL:
        return f"<{threshold}"
    if mark == PROTECT:
        return PROTECT_TEXT
    return DERIVED_TEXT


def hidden(mark: str, threshold: int) -> Hidden:
    return Hidden(mark, mark_text(mark, threshold))


def is_hidden(value) -> bool:
    return isinstance(value, Hidden)
