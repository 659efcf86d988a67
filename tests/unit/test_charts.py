import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup

from survey_app import charts

NS = {"s": charts.SVG_NS}
SVG = f"{{{charts.SVG_NS}}}"


def percent(value: float) -> str:
    """Like the app's Babel formatter: decimal comma and a no-break space before %."""
    return f"{value * 100:.1f}".replace(".", ",") + "\u00a0%"


def count(value: float) -> str:
    return f"{value:.0f}"


def bars(rows, **options):
    options = {
        "title": "Svarprocent",
        "description": "Summary",
        "id_prefix": "rate",
        "format_value": percent,
    } | options
    return charts.bar_chart(rows, **options)


def histogram(bins, **options):
    options = {
        "title": "CSQ-8",
        "description": "Summary",
        "id_prefix": "csq",
        "format_value": count,
        "x_label": "CSQ-8 total",
        "y_label": "Antal",
    } | options
    return charts.histogram(bins, **options)


def lines(series, **options):
    options = {
        "title": "Fidelitet",
        "description": "Summary",
        "id_prefix": "fid",
        "format_value": count,
        "y_min": 25,
        "y_max": 125,
        "x_labels": ["1", "2", "3", "4"],
    } | options
    return charts.line_chart(series, **options)


def parse(markup) -> ET.Element:
    assert isinstance(markup, Markup)
    return ET.fromstring(str(markup))


def with_class(root: ET.Element, cls: str, tag: str = "*") -> list[ET.Element]:
    return [
        el for el in root.iter(f"{SVG}{tag}" if tag != "*" else tag) if cls in el.get("class", "").split()
    ]


def texts(root: ET.Element) -> list[str]:
    return [el.text for el in root.iter(f"{SVG}text")]


def view_box(root: ET.Element) -> list[float]:
    return [float(part) for part in root.get("viewBox").split()]


def sample_charts() -> list[Markup]:
    return [
        bars([("Faxe", 0.3), ("Lejre", None)], reference=("Hele landet", 0.31)),
        histogram([("8", None), ("9", 3), ("10", 7)]),
        lines([("Holbæk", [(0, 80), (1, None), (2, 100)])], bands=[(100, "God")]),
    ]


# --- common to all charts ---------------------------------------------------------------------------


@pytest.mark.parametrize("markup", sample_charts(), ids=["bar", "histogram", "line"])
def test_one_accessible_scalable_svg(markup):
    root = parse(markup)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert root.get("height") is None  # the height follows from the viewBox
    x, y, width, height = view_box(root)
    assert (x, y) == (0, 0) and width > 0 and height > 0
    assert "chart" in root.get("class").split()

    title = root.find("s:title", NS)
    desc = root.find("s:desc", NS)
    assert title is not None and desc is not None
    assert root.get("aria-labelledby") == title.get("id")
    assert root.get("aria-describedby") == desc.get("id")
    assert desc.text == "Summary"
    # Every id is unique and starts with the prefix.
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert len(ids) == len(set(ids))
    prefix = root.get("aria-labelledby").split("-")[0]
    assert all(id_.startswith(prefix + "-") for id_ in ids)


@pytest.mark.parametrize("markup", sample_charts(), ids=["bar", "histogram", "line"])
def test_no_inline_styles_or_scripts(markup):
    # The Content-Security-Policy (style-src 'self') would block them.
    root = parse(markup)
    for el in root.iter():
        assert "style" not in el.attrib
        assert not any(name.startswith("on") for name in el.attrib)
        assert el.tag not in (f"{SVG}style", f"{SVG}script")
    assert "style=" not in str(markup)


def test_two_charts_on_one_page_have_distinct_ids():
    page = "".join(str(chart) for chart in sample_charts())
    roots = [parse(chart) for chart in sample_charts()]
    ids = [el.get("id") for root in roots for el in root.iter() if el.get("id")]
    assert len(ids) == len(set(ids)) == 6
    assert 'id="rate-title"' in page and 'id="csq-desc"' in page and 'id="fid-title"' in page


@pytest.mark.parametrize("prefix", ["", "1abc", "a b", 'x"y', "a<b"])
def test_the_id_prefix_must_be_a_plain_name(prefix):
    with pytest.raises(ValueError):
        bars([("Faxe", 0.3)], id_prefix=prefix)


def test_every_text_is_escaped():
    evil = "<script>alert(1)</script>"
    markups = [
        bars(
            [(evil, 0.3), ("Lejre", None)],
            title=evil,
            description=evil,
            reference=(evil, 0.2),
            hidden_text=evil,
        ),
        histogram(
            [(evil, None), ("9", 3)],
            title=evil,
            description=evil,
            x_label=evil,
            y_label=evil,
            hidden_text=evil,
        ),
        lines([(evil, [(0, 80)])], title=evil, description=evil, x_labels=[evil], bands=[(100, evil)]),
        bars([("Faxe", 0.3)], format_value=lambda value: '<b onload="x">'),
    ]
    for markup in markups:
        assert "<script" not in markup and "<b " not in markup
        assert "&lt;" in markup
        root = parse(markup)  # still well-formed
        assert any(evil in (text or "") or text == '<b onload="x">' for text in texts(root))
    root = parse(markups[0])
    assert root.find("s:title", NS).text == evil
    assert root.find("s:desc", NS).text == evil


# --- horizontal bars ----------------------------------------------------------------------------------


def test_bar_widths_are_proportional_to_the_values():
    root = parse(bars([("Full", 1.0), ("Half", 0.5), ("Quarter", 0.25), ("Zero", 0.0), ("Over", 1.7)]))
    rects = with_class(root, "chart-bar", "rect")
    full, half, quarter, zero, over = (float(rect.get("width")) for rect in rects)
    assert half == pytest.approx(full / 2, abs=0.01)
    assert quarter == pytest.approx(full / 4, abs=0.01)
    assert zero == 0
    assert over == full  # cut off at the edge
    # The full bar leaves room for its value text, but uses most of the drawing.
    assert view_box(root)[2] * 0.6 < full < view_box(root)[2]
    # All bars start on the same zero line.
    assert len({rect.get("x") for rect in rects}) == 1


def test_max_value_sets_the_scale():
    root = parse(bars([("A", 50), ("B", 100)], max_value=200, format_value=count))
    a, b = (float(rect.get("width")) for rect in with_class(root, "chart-bar", "rect"))
    assert b == pytest.approx(2 * a, abs=0.01)
    with pytest.raises(ValueError):
        bars([("A", 1)], max_value=0)


def test_bar_values_are_formatted_by_the_caller_and_labelled():
    root = parse(bars([("Ringkøbing-Skjern", 0.125), ("Lyngby-Taarbæk", 0.5)]))
    assert texts(root) == ["Ringkøbing-Skjern", "12,5\u00a0%", "Lyngby-Taarbæk", "50,0\u00a0%"]
    # The value is written right of its bar.
    rect = with_class(root, "chart-bar", "rect")[0]
    value = with_class(root, "chart-value", "text")[0]
    assert float(value.get("x")) > float(rect.get("x")) + float(rect.get("width"))


def test_hidden_values_get_no_bar_but_the_hidden_text():
    root = parse(bars([("Faxe", 0.3), ("Kalundborg", None), ("Odsherred", None)], hidden_text="færre end 5"))
    assert len(with_class(root, "chart-bar", "rect")) == 1
    hidden = with_class(root, "chart-hidden", "text")
    assert [el.text for el in hidden] == ["færre end 5", "færre end 5"]
    assert "Kalundborg" in texts(root) and "Odsherred" in texts(root)
    assert "<5" not in texts(root)


def test_the_default_hidden_text():
    root = parse(bars([("Kalundborg", None)]))
    assert [el.text for el in with_class(root, "chart-hidden")] == ["<5"]


def test_the_reference_line_crosses_all_bars_at_its_value():
    root = parse(bars([("Full", 1.0), ("B", 0.2), ("C", None)], reference=("Hele landet", 0.31)))
    full = with_class(root, "chart-bar", "rect")[0]
    x0, width = float(full.get("x")), float(full.get("width"))
    (line,) = with_class(root, "chart-ref", "line")
    assert float(line.get("x1")) == float(line.get("x2")) == pytest.approx(x0 + 0.31 * width, abs=0.01)
    bar_bottom = max(
        float(rect.get("y")) + float(rect.get("height")) for rect in with_class(root, "chart-bar", "rect")
    )
    assert float(line.get("y1")) < float(full.get("y")) and float(line.get("y2")) >= bar_bottom
    assert [el.text for el in with_class(root, "chart-ref-label")] == ["Hele landet 31,0\u00a0%"]


def test_a_long_chart_grows_and_repeats_the_reference_label():
    few = parse(bars([("A", 0.1)] * 3, reference=("Hele landet", 0.31)))
    rows = [(f"Kommune {i}", i / 100) for i in range(98)]
    many = parse(bars(rows, reference=("Hele landet", 0.31)))
    assert len(with_class(many, "chart-bar", "rect")) == 98
    assert view_box(many)[3] > 20 * view_box(few)[3]
    assert len(with_class(many, "chart-ref-label")) == 2
    assert len(with_class(few, "chart-ref-label")) == 1
    # Rows don't overlap: each bar lies below the one before.
    ys = [float(rect.get("y")) for rect in with_class(many, "chart-bar", "rect")]
    assert all(b - a >= 30 for a, b in zip(ys, ys[1:], strict=False))


def test_no_rows_is_still_a_chart():
    root = parse(bars([]))
    assert with_class(root, "chart-bar") == []
    assert view_box(root)[3] > 0


# --- histogram ----------------------------------------------------------------------------------------


def test_column_heights_are_proportional_to_the_counts():
    root = parse(histogram([("8", 10), ("9", 20), ("10", 40), ("11", 0), ("12", 5)]))
    columns = with_class(root, "chart-bar", "rect")
    heights = [float(rect.get("height")) for rect in columns]
    assert heights[1] == pytest.approx(2 * heights[0], abs=0.01)
    assert heights[2] == pytest.approx(4 * heights[0], abs=0.01)
    assert heights[3] == pytest.approx(heights[0] / 2, abs=0.01)  # the zero column has no rectangle
    # All stand on the same baseline, left to right in order.
    assert len({float(r.get("y")) + float(r.get("height")) for r in columns}) == 1
    xs = [float(rect.get("x")) for rect in columns]
    assert xs == sorted(xs)


def test_histogram_gridlines_and_axis_labels():
    root = parse(histogram([("8", 3), ("9", 37)], x_label="CSQ-8 total (8–32)", y_label="Antal besvarelser"))
    tick_texts = [el.text for el in with_class(root, "chart-muted", "text")]
    assert tick_texts[0] == "0" and len(tick_texts) >= 3
    assert float(tick_texts[-1]) >= 37  # the top gridline is above the highest column
    assert len(with_class(root, "chart-grid", "line")) == len(tick_texts)
    assert {el.text for el in with_class(root, "chart-axis-label")} == {
        "CSQ-8 total (8–32)",
        "Antal besvarelser",
    }


def test_hidden_counts_are_hatched_placeholders_with_the_hidden_text():
    root = parse(histogram([("8", None), ("9", None), ("10", 30), ("11", None)]))
    real = with_class(root, "chart-bar", "rect")
    placeholders = with_class(root, "chart-placeholder", "rect")
    assert len(real) == 1 and len(placeholders) == 3
    assert len(with_class(root, "chart-hatch", "path")) == 3
    assert [el.text for el in with_class(root, "chart-hidden", "text")] == ["<5"] * 3
    # The placeholders are all the same small height, whatever the scale.
    heights = {float(rect.get("height")) for rect in placeholders}
    assert len(heights) == 1 and heights.pop() < float(real[0].get("height")) / 4


def test_placeholders_look_the_same_at_any_scale():
    small = parse(histogram([("8", None), ("9", 2)]))
    large = parse(histogram([("8", None), ("9", 2000)]))
    assert [r.get("height") for r in with_class(small, "chart-placeholder")] == [
        r.get("height") for r in with_class(large, "chart-placeholder")
    ]


def test_all_counts_hidden():
    root = parse(histogram([("8", None), ("9", None)]))
    assert with_class(root, "chart-bar") == []
    assert len(with_class(root, "chart-placeholder")) == 2


def test_many_bins_thin_out_the_labels_under_the_axis():
    bins = [(str(total), total) for total in range(8, 33)]
    root = parse(histogram(bins))
    shown = [
        el.text for el in root.iter(f"{SVG}text") if el.get("text-anchor") == "middle" and el.text.isdigit()
    ]
    assert shown[0] == "8" and 5 < len(shown) < 25
    assert len(with_class(root, "chart-bar")) == 25


# --- lines --------------------------------------------------------------------------------------------


def test_points_sit_on_the_scale_and_none_points_are_skipped():
    root = parse(lines([("Holbæk", [(0, 25), (1, None), (2, 75), (3, 125)])]))
    markers = with_class(root, "chart-marker", "circle")
    plotted, legend = markers[:-1], markers[-1]
    assert len(plotted) == 3
    bottom, middle, top = (float(el.get("cy")) for el in plotted)
    assert middle == pytest.approx((bottom + top) / 2, abs=0.01)
    assert top < bottom
    # One line, from the third point to the fourth: the gap breaks it.
    (path,) = with_class(root, "chart-line", "path")
    assert path.get("d").count("L") == 1
    assert legend.get("cy") != plotted[0].get("cy")  # the legend's own marker


def test_lines_join_consecutive_points_only():
    root = parse(lines([("A", [(3, 90), (0, 80), (1, 85)])]))  # order of the points doesn't matter
    (path,) = with_class(root, "chart-line", "path")
    assert path.get("d").count("L") == 1  # 0→1; 3 stands alone because 2 is missing
    assert len(with_class(root, "chart-marker")) == 3 + 1


def test_series_differ_by_marker_shape_and_the_legend_names_them():
    names = [f"Kommune {i}" for i in range(6)]
    root = parse(lines([(name, [(0, 50), (1, 60)]) for name in names]))
    for name in names:
        assert name in texts(root)
    shapes = set()
    for i in range(6):
        # The first marker of each series, all at the same point: the same drawing would be the same shape.
        marker = next(
            el for el in with_class(root, f"chart-series-{i + 1}") if "chart-marker" in el.get("class")
        )
        shapes.add((marker.tag, marker.get("d")))
    assert len(shapes) == 6
    # A seventh series starts again with the first style.
    root = parse(lines([(f"K{i}", [(0, 50)]) for i in range(7)]))
    assert len(with_class(root, "chart-series-1", "circle")) == 4  # two points, two legend markers


def test_bands_are_dashed_lines_with_their_labels():
    root = parse(lines([("A", [(0, 100)])], bands=[(100, "God"), (115, "Eksemplarisk")]))
    bands = with_class(root, "chart-band", "line")
    assert len(bands) == 2
    marker = with_class(root, "chart-marker", "circle")[0]
    god = bands[0]
    assert god.get("y1") == god.get("y2")
    assert float(god.get("y1")) == pytest.approx(float(marker.get("cy")), abs=0.01)
    assert float(bands[1].get("y1")) < float(god.get("y1"))
    assert [el.text for el in with_class(root, "chart-band-label")] == ["God", "Eksemplarisk"]


def test_values_outside_the_range_sit_on_the_edge():
    root = parse(lines([("A", [(0, 0), (1, 500)])], bands=None))
    low, high = (float(el.get("cy")) for el in with_class(root, "chart-marker", "circle")[:2])
    ticks = {el.text: el for el in with_class(root, "chart-muted", "text")}
    assert set(ticks) == {"25", "50", "75", "100", "125"}
    assert low > high
    with pytest.raises(ValueError):
        lines([], y_min=10, y_max=10)


def test_default_formatter():
    assert charts.plain_number(0.5) == "0.5"
    assert charts.plain_number(12.0) == "12"


def test_whole_gridline_values_reach_the_formatter_as_integers():
    root = parse(histogram([("8", 37)], format_value=repr))
    assert [el.text for el in with_class(root, "chart-muted")] == ["0", "10", "20", "30", "40"]
