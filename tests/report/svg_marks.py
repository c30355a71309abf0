"""A chart's data marks read back from its SVG (Vega's): what each layer draws and whether it can be seen
(docs/report.md, "Charts"). Used by test_chart_marks.py and kit/test_theme.py."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

#: the least a mark must measure across to be seen (px)
MIN_PX = 1.0
SVG = "{http://www.w3.org/2000/svg}"
#: the data marks Vega draws (text marks are labels, groups hold other marks)
DATA_MARKS = {"rect", "symbol", "line", "area", "rule", "trail", "arc"}
_PATH_TOKEN = re.compile(r"[A-Za-z]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
#: the number of values each path command takes
_ARITY = {"M": 2, "L": 2, "T": 2, "H": 1, "V": 1, "C": 6, "S": 4, "Q": 4, "A": 7, "Z": 0}


def path_points(d: str) -> list[tuple[float, float]]:
    """The points a path passes through or bends towards (end and control points; an arc's chord
    midpoint +- its radii, so a circle symbol's box is the circle's), absolute."""
    tokens = _PATH_TOKEN.findall(d or "")
    points: list[tuple[float, float]] = []
    x = y = start_x = start_y = 0.0
    i, command = 0, ""
    while i < len(tokens):
        if tokens[i].isalpha():
            command = tokens[i]
            i += 1
            if command in "Zz":
                x, y = start_x, start_y
                continue
        upper, relative = command.upper(), command.islower()
        values = [float(v) for v in tokens[i:i + _ARITY[upper]]]
        i += _ARITY[upper]
        ox, oy = (x, y) if relative else (0.0, 0.0)
        if upper == "H":
            x = values[0] + ox
        elif upper == "V":
            y = values[0] + oy
        elif upper == "A":
            rx, ry, end_x, end_y = values[0], values[1], values[5] + ox, values[6] + oy
            mid_x, mid_y = (x + end_x) / 2, (y + end_y) / 2
            points += [(mid_x - rx, mid_y - ry), (mid_x + rx, mid_y + ry)]
            x, y = end_x, end_y
        else:
            pairs = [(values[k] + ox, values[k + 1] + oy) for k in range(0, len(values), 2)]
            points += pairs[:-1]
            x, y = pairs[-1]
        if upper == "M":
            start_x, start_y = x, y
            command = "l" if relative else "L"  # further pairs after a move are lines
        points.append((x, y))
    return points


def item_size(element: ET.Element) -> tuple[float, float]:
    """(width, height) of one drawn item (an SVG path, line or rect) in its own coordinates."""
    tag = element.tag.removeprefix(SVG)
    if tag == "line":
        x1, y1, x2, y2 = (float(element.get(name, 0)) for name in ("x1", "y1", "x2", "y2"))
        return abs(x2 - x1), abs(y2 - y1)
    if tag == "rect":
        return float(element.get("width", 0)), float(element.get("height", 0))
    points = path_points(element.get("d", ""))
    if not points:
        return 0.0, 0.0
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return max(xs) - min(xs), max(ys) - min(ys)


def hidden(element: ET.Element) -> bool:
    """Whether an item is drawn invisible (Vega hides an item by its opacity)."""
    return element.get("display") == "none" or element.get("visibility") == "hidden" \
        or float(element.get("opacity", 1)) == 0


def data_layers(svg: str) -> list[tuple[str, list[tuple[float, float]]]]:
    """(mark type, the sizes of its visible-by-style items) of every data layer of a chart's SVG."""
    layers = []
    for group in ET.fromstring(svg).iter(f"{SVG}g"):
        classes = group.get("class", "").split()
        kind = next((c.removeprefix("mark-") for c in classes if c.startswith("mark-")), None)
        if "role-mark" not in classes or kind not in DATA_MARKS:
            continue
        items = [child for child in group if child.tag.removeprefix(SVG) in ("path", "line", "rect")]
        layers.append((kind, [item_size(item) for item in items if not hidden(item)]))
    return layers


def faults(svg: str) -> list[str]:
    """What a chart's SVG draws wrong: no data layer, a layer whose items are all too small to see, a sliver."""
    layers = data_layers(svg)
    if not layers:
        return ["no data layer"]
    found = []

    def some(boxes):
        return [(round(w, 2), round(h, 2)) for w, h in boxes[:3]]

    for kind, sizes in layers:
        if kind in ("rect", "symbol"):  # seen when it is MIN_PX both ways
            seen = [s for s in sizes if min(s) >= MIN_PX]
            # drawn (both ways longer than 0) but thinner than a pixel: a bar of 0 is 0 px long and not drawn
            slivers = [s for s in sizes if 1e-6 < min(s) < MIN_PX]
        else:  # a line, area or rule is seen when it reaches MIN_PX in any direction (a flat line too)
            seen, slivers = [s for s in sizes if max(s) >= MIN_PX], []
        if sizes and not seen:
            found.append(f"{kind} layer of {len(sizes)} items draws nothing visible, e.g. {some(sizes)}")
        if slivers:
            found.append(f"{kind} layer: {len(slivers)} of {len(sizes)} items thinner than {MIN_PX} px, "
                         f"e.g. {some(slivers)}")
    return found
