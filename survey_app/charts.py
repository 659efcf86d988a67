"""Small server-rendered SVG charts: no JavaScript, no chart library.

Each function returns ``Markup`` holding one ``<svg role="img">`` whose
accessible name is its ``<title>`` and whose description is its ``<desc>``
(a summary in words, written by the caller); the page shows the numbers in
a table as well. The charts are drawn in a ``viewBox`` with
``width="100%"``, so they scale with the column: a 360 units wide drawing
is about life-size on a 390 px phone, and ``staff.css`` caps the width on
a desktop.

The Content-Security-Policy allows no inline styles, so every element gets
a ``class`` and the look lives in the ``/* charts */`` section of
``static/staff.css``. The font sizes there must match ``FONT`` and
``SMALL`` here, as the layout estimates how wide texts are.

Numbers shown are formatted only by the ``format_value`` callable the
caller passes (the app's Babel formatters: "12,5 %"), and every label is
escaped. A value of ``None`` is hidden for privacy (too few participants):
it gets no bar, and ``hidden_text`` (e.g. "<5") is shown in its place.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from .reporting.disclosure import Hidden

WIDTH = 360  # user units across; about 1:1 on a phone
FONT = 14  # .chart text in staff.css
SMALL = 13  # .chart .chart-small in staff.css
CHAR_WIDTH = 0.6  # a generous average glyph width, in ems, for system sans-serif fonts

SVG_NS = "http://www.w3.org/2000/svg"
SERIES_STYLES = 6  # .chart-series-1 ... -6 in staff.css, each with its own marker shape below

_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")

Formatter = Callable[[float], str]


def plain_number(value: float) -> str:
    """A formatter for tests and quick looks; the app passes its Babel formatters."""
    return f"{value:g}"


# --- building blocks --------------------------------------------------------------------------------


def _n(value: float) -> str:
    """A coordinate, short and stable: 12.0 → "12", 1/3 → "0.33"."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _text_width(text: str, size: float) -> float:
    return len(text) * size * CHAR_WIDTH


def _attrs(attributes: dict[str, object]) -> str:
    parts = []
    for name, value in attributes.items():
        if value is None:
            continue
        if isinstance(value, float | int) and not isinstance(value, bool):
            value = _n(value)
        parts.append(f' {name.rstrip("_").replace("_", "-")}="{escape(value)}"')
    return "".join(parts)


def _el(tag: str, **attributes: object) -> str:
    return f"<{tag}{_attrs(attributes)}/>"


def _text(x: float, y: float, content: str, cls: str = "", anchor: str = "start") -> str:
    # text-anchor is geometry (the layout places texts by it), so it is an attribute, not a class.
    anchor_attribute = None if anchor == "start" else anchor
    attrs = _attrs({"x": x, "y": y, "class": cls or None, "text_anchor": anchor_attribute})
    return f"<text{attrs}>{escape(content)}</text>"


def _svg(
    kind: str, id_prefix: str, width: float, height: float, title: str, description: str, body
) -> Markup:
    if not _ID.match(id_prefix):
        raise ValueError(f"id_prefix must be a letter and then letters, digits, - or _: {id_prefix!r}")
    head = (
        f'<svg xmlns="{SVG_NS}" class="chart chart-{kind}" role="img" viewBox="0 0 {_n(width)} {_n(height)}"'
        f' width="100%" aria-labelledby="{id_prefix}-title" aria-describedby="{id_prefix}-desc"'
        f' focusable="false">'
    )
    parts = [
        head,
        f'<title id="{id_prefix}-title">{escape(title)}</title>',
        f'<desc id="{id_prefix}-desc">{escape(description)}</desc>',
        *body,
        "</svg>",
    ]
    return Markup("\n".join(parts))


def _nice_step(span: float, target: int = 4, *, whole: bool = False) -> float:
    """A step of 1, 2, 2.5 or 5 times a power of ten giving about ``target`` intervals."""
    raw = span / target if span > 0 else 1
    magnitude = 10 ** math.floor(math.log10(raw))
    if whole:
        magnitude = max(magnitude, 1)
    for multiple in (1, 2, 2.5, 5, 10):
        if whole and multiple == 2.5 and magnitude == 1:
            continue
        if multiple * magnitude >= raw:
            return multiple * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def _ticks(low: float, high: float, step: float) -> list[float]:
    first = math.ceil(low / step - 1e-9)
    last = math.floor(high / step + 1e-9)
    values = [round(i * step, 10) for i in range(first, last + 1)]
    return [
        int(value) if float(value).is_integer() else value for value in values
    ]  # 10, not 10.0, to the formatter


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def _label_step(labels: Sequence[str], slot: float, size: float) -> int:
    """Show every n-th category label so that neighbours don't touch."""
    widest = max((_text_width(label, size) for label in labels), default=0)
    return max(1, math.ceil((widest + 4) / slot)) if slot > 0 else 1


def _hatch(x: float, y: float, w: float, h: float, gap: float = 4) -> str:
    """Diagonal lines filling a rectangle, as one path (a pattern would need another id)."""
    segments = []
    k = x + y + gap
    while k < x + w + y + h:
        x1, x2 = max(x, k - (y + h)), min(x + w, k - y)
        if x2 > x1:
            segments.append(f"M{_n(x1)} {_n(k - x1)}L{_n(x2)} {_n(k - x2)}")
        k += gap
    return "".join(segments)


def _y_axis(ticks, scale_y, left: float, right: float, format_value: Formatter) -> list[str]:
    """Gridlines with their values at the left."""
    body = []
    for tick in ticks:
        y = scale_y(tick)
        body.append(_el("line", x1=left, y1=y, x2=right, y2=y, class_="chart-grid"))
        body.append(_text(left - 6, y + SMALL * 0.35, format_value(tick), "chart-small chart-muted", "end"))
    return body


def _x_labels(labels: Sequence[str], centre_x, y: float) -> list[str]:
    """Category labels under the axis, thinned out when they would touch, each with a tick mark."""
    if not labels:
        return []
    slot = abs(centre_x(1) - centre_x(0)) if len(labels) > 1 else WIDTH
    texts = [str(label) for label in labels]
    if "" in texts:
        # Labels only here and there (a year at each January): each is shown unless it would touch
        # the one before it.
        shown, right = set(), -math.inf
        for index, text in enumerate(texts):
            half = _text_width(text, SMALL) / 2
            if text and centre_x(index) - half >= right + 4:
                shown.add(index)
                right = centre_x(index) + half
    else:
        step = _label_step(texts, slot, SMALL)
        shown = set(range(0, len(texts), step))
    body = []
    for index, text in enumerate(texts):
        x = centre_x(index)
        body.append(_el("line", x1=x, y1=y, x2=x, y2=y + (5 if index in shown else 3), class_="chart-axis"))
        if index in shown:
            body.append(_text(x, y + 6 + SMALL, text, "chart-small", "middle"))
    return body


def _shown(value) -> bool:
    """Whether a value is drawn (``None`` and ``disclosure.Hidden`` are hidden)."""
    return value is not None and not isinstance(value, Hidden)


def _hidden_text(value, default: str) -> str:
    return value.text if isinstance(value, Hidden) else default


# --- horizontal bars ----------------------------------------------------------------------------------


def bar_chart(
    rows: Sequence[tuple[str, float | None]],
    *,
    title: str,
    description: str,
    id_prefix: str,
    format_value: Formatter,
    max_value: float = 1.0,
    reference: tuple[str, float] | None = None,
    hidden_text: str = "<5",
) -> Markup:
    """Horizontal bars, one row per ``(label, value)``, the label above its bar and the value after it.

    Bars are drawn on a scale from 0 to ``max_value`` (larger values are cut off at the edge).
    ``reference`` = ``(label, value)`` is a dashed vertical line across all bars, e.g. the national
    response rate; its label is ``"<label> <formatted value>"`` at the top (and again at the bottom
    of a long chart). The drawing grows one row at a time, so a hundred municipalities still work.
    """
    if max_value <= 0:
        raise ValueError("max_value must be positive")
    row_height, bar_top, bar_height = 44, 20, 16
    left = 1.0  # the zero line's own width
    values = [format_value(value) for _, value in rows if _shown(value)]
    value_room = max((_text_width(text, FONT) for text in [*values, hidden_text]), default=0) + 8
    plot_width = WIDTH - left - value_room

    def scale(value: float) -> float:
        return plot_width * _clamp(value / max_value, 0, 1)

    top = 4.0
    reference_text = ""
    if reference is not None:
        reference_text = f"{reference[0]} {format_value(reference[1])}"
        top = FONT + 12
    bottom = top + row_height * len(rows)
    repeat_reference = reference is not None and len(rows) > 10
    height = bottom + (FONT + 10 if repeat_reference else 4)

    body: list[str] = []
    if reference is not None:
        x = left + scale(reference[1])
        body.append(_el("line", x1=x, y1=top - 6, x2=x, y2=bottom, class_="chart-ref"))
        half = _text_width(reference_text, FONT) / 2
        label_x = _clamp(x, half + 1, WIDTH - half - 1)
        body.append(_text(label_x, FONT, reference_text, "chart-ref-label", "middle"))
        if repeat_reference:
            body.append(_text(label_x, bottom + FONT + 4, reference_text, "chart-ref-label", "middle"))
    body.append(_el("line", x1=left / 2, y1=top, x2=left / 2, y2=bottom, class_="chart-axis"))
    for index, (label, value) in enumerate(rows):
        y = top + index * row_height
        body.append(_text(left + 2, y + FONT, label, "chart-label"))
        text_y = y + bar_top + bar_height / 2 + FONT * 0.35
        if not _shown(value):
            body.append(_text(left + 4, text_y, _hidden_text(value, hidden_text), "chart-hidden"))
            continue
        width = scale(value)
        body.append(_el("rect", x=left, y=y + bar_top, width=width, height=bar_height, class_="chart-bar"))
        body.append(_text(left + width + 4, text_y, format_value(value), "chart-value"))
    return _svg("bars", id_prefix, WIDTH, height, title, description, body)


# --- histogram ----------------------------------------------------------------------------------------


def histogram(
    bins: Sequence[tuple[str, int | None]],
    *,
    title: str,
    description: str,
    id_prefix: str,
    format_value: Formatter,
    x_label: str,
    y_label: str,
    hidden_text: str = "<5",
) -> Markup:
    """Vertical columns for a discrete distribution, ``bins`` = ``(label, count)`` in order.

    A hidden count (``None``) is drawn as a short hatched, outlined placeholder with ``hidden_text``
    above it, so it can't be mistaken for a real column. Labels under the axis are thinned out when
    there are too many to fit (every second of CSQ-8's 25 totals on a phone-sized drawing).
    """
    counts = [count for _, count in bins if _shown(count)]
    step = _nice_step(max(counts, default=0) or 1, whole=True)
    y_top = max(step, math.ceil(max(counts, default=0) / step - 1e-9) * step)
    ticks = _ticks(0, y_top, step)

    left = max(_text_width(format_value(tick), SMALL) for tick in ticks) + 10
    right = WIDTH - 4
    plot_top, plot_height = FONT + 18, 180
    plot_bottom = plot_top + plot_height
    slot = (right - left) / max(len(bins), 1)
    column = max(slot * 0.78, min(slot, 2))
    placeholder = 14.0

    def scale_y(value: float) -> float:
        return plot_bottom - plot_height * _clamp(value / y_top, 0, 1)

    def centre_x(index: int) -> float:
        return left + slot * (index + 0.5)

    body = [_text(0, FONT, y_label, "chart-axis-label")]
    body += _y_axis(ticks, scale_y, left, right, format_value)
    # The hidden text goes above its placeholder; when it is wider than a column, a hidden
    # neighbour's text goes one line higher so that the two don't run into each other.
    hidden_wide = (
        max((_text_width(_hidden_text(c, hidden_text), SMALL) for _, c in bins), default=0) > slot * 1.1
    )
    level = 0
    for index, (_, count) in enumerate(bins):
        x = centre_x(index) - column / 2
        if not _shown(count):
            y = plot_bottom - placeholder
            body.append(_el("rect", x=x, y=y, width=column, height=placeholder, class_="chart-placeholder"))
            body.append(_el("path", d=_hatch(x, y, column, placeholder), class_="chart-hatch"))
            level = 1 - level if hidden_wide and index > 0 and not _shown(bins[index - 1][1]) else 0
            text_y = y - 4 - level * (SMALL + 1)
            body.append(
                _text(
                    centre_x(index),
                    text_y,
                    _hidden_text(count, hidden_text),
                    "chart-small chart-hidden",
                    "middle",
                )
            )
        elif count > 0:
            y = scale_y(count)
            body.append(_el("rect", x=x, y=y, width=column, height=plot_bottom - y, class_="chart-bar"))
    body.append(_el("line", x1=left, y1=plot_bottom, x2=right, y2=plot_bottom, class_="chart-axis"))
    body += _x_labels([label for label, _ in bins], centre_x, plot_bottom)
    label_y = plot_bottom + 12 + SMALL + FONT
    body.append(_text(left + (right - left) / 2, label_y, x_label, "chart-axis-label", "middle"))
    return _svg("histogram", id_prefix, WIDTH, label_y + 6, title, description, body)


# --- lines over time ----------------------------------------------------------------------------------


def _marker(shape: int, x: float, y: float, cls: str) -> str:
    """Six marker shapes, so series differ by more than colour."""
    r = 5.0
    if shape == 0:
        return _el("circle", cx=x, cy=y, r=r, class_=cls)
    if shape == 1:
        return _el("rect", x=x - r + 0.5, y=y - r + 0.5, width=2 * r - 1, height=2 * r - 1, class_=cls)
    points = {
        2: [(0, -1.25), (1.1, 0.8), (-1.1, 0.8)],  # triangle up
        3: [(0, -1.3), (1.3, 0), (0, 1.3), (-1.3, 0)],  # diamond
        4: [(0, 1.25), (1.1, -0.8), (-1.1, -0.8)],  # triangle down
        5: [  # a cross
            (-0.4, -1.15), (0.4, -1.15), (0.4, -0.4), (1.15, -0.4), (1.15, 0.4), (0.4, 0.4),
            (0.4, 1.15), (-0.4, 1.15), (-0.4, 0.4), (-1.15, 0.4), (-1.15, -0.4), (-0.4, -0.4),
        ],
    }[shape]  # fmt: skip
    d = "M" + "L".join(f"{_n(x + dx * r)} {_n(y + dy * r)}" for dx, dy in points) + "Z"
    return _el("path", d=d, class_=cls)


def line_chart(
    series: Sequence[tuple[str, Sequence[tuple[int, float | None]]]],
    *,
    title: str,
    description: str,
    id_prefix: str,
    format_value: Formatter,
    y_min: float,
    y_max: float,
    x_labels: Sequence[str],
    bands: Sequence[tuple[float, str]] | None = None,
    x_marks: Sequence[tuple[int, str]] | None = None,
) -> Markup:
    """Lines with markers, ``series`` = ``(name, [(x_index, value), ...])`` on the ``x_labels``.

    A ``None`` value has no marker and breaks the line: lines join only points that follow each
    other with values. Each series has its own colour, marker shape and dash pattern (six, then
    they repeat), and a legend below names them. ``bands`` = ``(y_value, label)`` are dashed
    horizontal lines, e.g. ``(100, "God")``. ``x_marks`` = ``(x_index, label)`` are dashed vertical
    lines labelled at the top, e.g. the day of a reminder. Values outside ``y_min``…``y_max`` sit on the edge.
    """
    if y_max <= y_min:
        raise ValueError("y_max must be above y_min")
    ticks = _ticks(y_min, y_max, _nice_step(y_max - y_min))
    left = max((_text_width(format_value(tick), SMALL) for tick in ticks), default=0) + 10
    # Band labels sit right of the plot, where no line or marker can cover them.
    band_room = max((_text_width(label, SMALL) for _, label in bands or ()), default=-6) + 10
    right = WIDTH - band_room
    # The marks' labels get a line of their own above the plot, where no line or marker can cover them.
    marks_room = SMALL + 6 if x_marks else 0
    plot_top, plot_height = 10.0 + marks_room, 200
    plot_bottom = plot_top + plot_height
    slot = (right - left) / max(len(x_labels), 1)

    def scale_y(value: float) -> float:
        return plot_bottom - plot_height * _clamp((value - y_min) / (y_max - y_min), 0, 1)

    def centre_x(index: float) -> float:
        return left + slot * (index + 0.5)

    body = _y_axis(ticks, scale_y, left, right, format_value)
    label_y = math.inf  # from the bottom up, each band label at least a line above the one before
    for value, label in sorted(bands or (), key=lambda band: band[0]):
        y = scale_y(value)
        body.append(_el("line", x1=left, y1=y, x2=right, y2=y, class_="chart-band"))
        label_y = min(y + SMALL * 0.35, label_y - SMALL - 1)
        body.append(_text(right + 4, label_y, label, "chart-small chart-band-label"))
    for index, label in x_marks or ():
        x = centre_x(index)
        body.append(_el("line", x1=x, y1=plot_top, x2=x, y2=plot_bottom, class_="chart-band"))
        body.append(_text(x, 10.0 + SMALL * 0.8, label, "chart-small chart-band-label", "middle"))
    body.append(_el("line", x1=left, y1=plot_bottom, x2=right, y2=plot_bottom, class_="chart-axis"))
    body += _x_labels(list(x_labels), centre_x, plot_bottom)

    for number, (_, points) in enumerate(series):
        style = number % SERIES_STYLES
        cls = f"chart-series-{style + 1}"
        ordered = sorted(points, key=lambda point: point[0])
        runs: list[list[tuple[float, float]]] = [[]]
        for previous, point in zip([None, *ordered], ordered, strict=False):
            if point[1] is None:
                continue
            if previous is None or previous[1] is None or point[0] - previous[0] != 1:
                runs.append([])
            runs[-1].append((centre_x(point[0]), scale_y(point[1])))
        for run in runs:
            if len(run) > 1:
                d = "M" + "L".join(f"{_n(x)} {_n(y)}" for x, y in run)
                body.append(_el("path", d=d, class_=f"chart-line {cls}"))
        for run in runs:
            body += [_marker(style, x, y, f"chart-marker {cls}") for x, y in run]

    # The legend: sample line and marker, then the name; as many columns as fit.
    names = [name for name, _ in series]
    item_width = max((_text_width(name, FONT) for name in names), default=0) + 40
    columns = max(1, min(len(names), int(WIDTH // item_width)))
    column_width = WIDTH / columns
    legend_top = plot_bottom + 12 + SMALL + 12
    row_height = FONT + 12
    for number, name in enumerate(names):
        style = number % SERIES_STYLES
        cls = f"chart-series-{style + 1}"
        x = (number % columns) * column_width
        y = legend_top + (number // columns) * row_height + row_height / 2
        body.append(_el("line", x1=x + 2, y1=y, x2=x + 30, y2=y, class_=f"chart-line {cls}"))
        body.append(_marker(style, x + 16, y, f"chart-marker {cls}"))
        body.append(_text(x + 36, y + FONT * 0.35, name, "chart-label"))
    rows = math.ceil(len(names) / columns) if names else 0
    height = legend_top + rows * row_height + 4
    return _svg("lines", id_prefix, WIDTH, height, title, description, body)
