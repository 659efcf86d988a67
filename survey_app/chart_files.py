"""A chart of ``charts`` as an SVG file of its own, to download: with an XML declaration, its own
stylesheet (the charts' rules of ``static/staff.css``, colours written out), a white background and
a size in pixels. Only for files served with their own Content-Security-Policy
(``web/evaluator/figures.py``): a page's charts never carry a style of their own."""

from __future__ import annotations

import re
from pathlib import Path

from markupsafe import Markup

from .charts import _el, _n

_STAFF_CSS = Path(__file__).parent / "static" / "staff.css"
_FONTS = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
_VARIABLE = re.compile(r"var\(--([a-z-]+)\)")
_DEFINITION = re.compile(r"--([a-z-]+):\s*([^;]+);")


def _standalone_css(staff_css: str) -> str:
    """The charts' rules of ``staff.css`` with every colour written out: SVG editors and office
    programs do not all know CSS variables, nor a page's stylesheet."""
    root = staff_css[staff_css.index(":root") : staff_css.index("}", staff_css.index(":root"))]
    colours = dict(_DEFINITION.findall(root))
    start = staff_css.index("/* charts")
    section = staff_css[start : staff_css.index("@media", start)]
    rules = []
    for rule in re.findall(r"(\.chart[^{]*)\{([^}]*)\}", section):
        selector, body = rule[0].strip(), " ".join(rule[1].split())
        series = re.match(r"\.chart \.chart-(series-\d)$", selector)
        if series:
            colour = _DEFINITION.search(body).group(2).strip()
            rest = _DEFINITION.sub("", body).strip()
            name = series.group(1)
            rules.append(f".chart-line.chart-{name} {{ stroke: {colour}; {rest} }}")
            rules.append(f".chart-marker.chart-{name} {{ fill: {colour}; }}")
            continue
        if "--series" in body or "[class*=" in selector:
            continue
        if selector == ".chart":
            body = f"font-family: {_FONTS}; font-variant-numeric: tabular-nums;"
        rules.append(f"{selector} {{ {_VARIABLE.sub(lambda m: colours[m.group(1)].strip(), body)} }}")
    return "\n".join(rules)


def standalone(chart: Markup) -> bytes:
    """``chart`` as an SVG file to download: an XML declaration, its own stylesheet, a white
    background and a size in pixels (twice the drawing's units), for a report or a slide."""
    text = str(chart)
    view_box = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', text)
    width, height = float(view_box.group(1)), float(view_box.group(2))
    css = _standalone_css(_STAFF_CSS.read_text(encoding="utf-8"))
    head_end = text.index(">") + 1
    head = text[:head_end].replace(' width="100%"', f' width="{_n(width * 2)}" height="{_n(height * 2)}"')
    background = _el("rect", x=0, y=0, width=width, height=height, fill="#fff")
    body = text[head_end:]
    title_end = body.index("</desc>") + len("</desc>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        + head
        + body[:title_end]
        + f"\n<style>\n{css}\n</style>\n"
        + background
        + body[title_end:]
        + "\n"
    ).encode("utf-8")
