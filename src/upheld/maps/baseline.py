"""The hex layout the website drew before issue 11, kept as the yardstick for the new one.

`upheld.maps.measures` reports how well a layout keeps England; the tests and
docs/website.md give this layout's measures beside the current one's, so a change to the
cartogram can be seen to help or harm. It is not used to draw any map.

It linked each council to its four nearest, solved for positions where every link is a cell long
and points the way it points on the real map (least squares), and snapped those positions to the
grid best-fitting first. The solution is harmonic inside the network, so it keeps the real map's
crowding: London stayed small until snapping pushed its boroughs down to the south coast.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from upheld.maps import cartogram
from upheld.maps.cartogram import Cell
from upheld.register import Council

_NEIGHBOURS = 4
_ANCHOR = 1e-4
_SHRINK = 0.95


def layout(councils: Sequence[Council]) -> dict[str, Cell]:
    """The pre-issue-11 cell (column, row) of every council with a centre of its own."""
    ordered = sorted(councils, key=lambda c: c.code)
    located, _ = cartogram._centroids(ordered)  # the same borrowing rules as the current map
    codes = sorted(located)
    points = [cartogram._project(*located[code]) for code in codes]
    if not points:
        return {}
    if len(points) == 1:
        return cartogram._to_offset({codes[0]: (0, 0)})
    nearest = _nearest(points, min(_NEIGHBOURS, len(points) - 1))
    links = _links(points, nearest)
    typical = sorted(row[0][0] for row in nearest)[len(points) // 2] or 1.0
    start = [(x / typical, y / typical) for x, y in points]
    targets = []
    for i, j in links:
        dx, dy = points[j][0] - points[i][0], points[j][1] - points[i][1]
        d = math.hypot(dx, dy)
        targets.append((dx / d, dy / d) if d > 0 else (0.0, 0.0))
    solved = cartogram._least_squares(start, links, targets, [_ANCHOR] * len(start))
    relaxed = [(x * _SHRINK, y * _SHRINK) for x, y in solved]
    return cartogram._to_offset(dict(zip(codes, cartogram._assign(relaxed), strict=True)))


def _links(
    points: list[tuple[float, float]], nearest: list[list[tuple[float, int]]]
) -> list[tuple[int, int]]:
    """Pairs of neighbouring councils: each with its nearest few, joined up into one network."""
    links = {(min(i, j), max(i, j)) for i, row in enumerate(nearest) for _, j in row}
    parent = list(range(len(points)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in links:
        parent[root(i)] = root(j)
    # An island group whose nearest councils are all each other (rare) would float free of the
    # rest, so tie each group to the nearest council outside it.
    while True:
        groups: dict[int, list[int]] = {}
        for i in range(len(points)):
            groups.setdefault(root(i), []).append(i)
        if len(groups) == 1:
            break
        smallest = min(groups.values(), key=lambda g: (len(g), g[0]))
        inside = set(smallest)
        _, i, j = min(
            (math.dist(points[i], points[j]), i, j)
            for i in smallest
            for j in range(len(points))
            if j not in inside
        )
        links.add((min(i, j), max(i, j)))
        parent[root(i)] = root(j)
    return sorted(links)


def _nearest(points: list[tuple[float, float]], k: int) -> list[list[tuple[float, int]]]:
    """For each point, its k nearest other points as (distance, index), nearest first."""
    n = len(points)
    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    width = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    # About two points per bucket, so a search looks at few buckets and few points.
    size = width / max(1.0, math.sqrt(n / 2))
    buckets: dict[tuple[int, int], list[int]] = {}
    for i in range(n):
        buckets.setdefault((math.floor(xs[i] / size), math.floor(ys[i] / size)), []).append(i)
    found: list[list[tuple[float, int]]] = []
    for i in range(n):
        bx, by = math.floor(xs[i] / size), math.floor(ys[i] / size)
        best: list[tuple[float, int]] = []
        ring = 0
        while True:
            for cx in range(bx - ring, bx + ring + 1):
                for cy in range(by - ring, by + ring + 1):
                    if max(abs(cx - bx), abs(cy - by)) != ring:
                        continue
                    for j in buckets.get((cx, cy), ()):
                        if j != i:
                            best.append((math.hypot(xs[j] - xs[i], ys[j] - ys[i]), j))
            best.sort()
            del best[k:]
            # Anything in a further ring is at least `ring * size` away.
            if len(best) == k and best[-1][0] <= ring * size:
                break
            if ring * size > 2 * width + size:
                break
            ring += 1
        found.append(best)
    return found


__all__ = ["layout"]
