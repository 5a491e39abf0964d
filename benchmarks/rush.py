"""The first requests after a publication or an import, all at once.

At a publication moment, or just after an import, every request finds the website's figures out
of date together. Measured, on the full demo with one worker, each just after the configuration
changes: 16 council pages asked one after another (the baseline, in the same run: the figures
worked out once, then each page drawn), then 16 other council pages asked at the same moment.
Target: the last of the 16 answered at once within 1.5 times the 16 one after another, which holds
only if the figures are worked out once for all of them rather than once each. Likewise one council
page asked 32 times at the same moment, against the same page asked once: the last of the 32
answered within 1.5 times the one, which holds only if the page is drawn once for all of them.
"""

from __future__ import annotations

import statistics
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from benchmarks.web import full_demo, upheld_serving
from upheld.register import builtin
from upheld.site.model import REFRESH_SECONDS
from upheld.synthetic import DemoSpec

AT_ONCE = 16
SAME_PAGE = 32
TRIALS = 3
TARGET_RATIO = 1.5


def _changed(config: Path, trial: int) -> None:
    """Change the configuration (a comment), and wait until the server looks again."""
    settings = config / "upheld.toml"
    text = settings.read_text(encoding="utf-8").split("\n# rush ")[0]
    settings.write_text(f"{text}\n# rush {trial} {time.time()}\n", encoding="utf-8")
    time.sleep(REFRESH_SECONDS + 0.5)


def _get(port: int, path: str, start: threading.Barrier | None = None) -> float:
    if start is not None:
        start.wait()
    began = time.perf_counter()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=300) as answer:
        answer.read()
    return time.perf_counter() - began


def measure(folder: Path) -> list[dict[str, Any]]:
    """Sixteen pages one after another, then sixteen at once; one page once, then 32 times at
    once; each just after a change."""
    built = full_demo(folder, "rush")
    config = built / "config"
    kept = (config / "upheld.toml").read_text(encoding="utf-8")
    codes = [c.code for c in builtin().in_year(DemoSpec().last_year)]
    pages = [f"/councils/{code}/2024-25" for code in codes]
    in_turn: list[float] = []
    at_once: list[float] = []
    alone: list[float] = []
    same: list[float] = []
    try:
        with upheld_serving(built, workers=1) as port:
            _get(port, "/")  # the register and the templates, loaded once for good
            for trial in range(TRIALS):
                first = 2 * trial * AT_ONCE
                _changed(config, 2 * trial)
                in_turn.append(sum(_get(port, page) for page in pages[first : first + AT_ONCE]))
                _changed(config, 2 * trial + 1)
                start = threading.Barrier(AT_ONCE)
                with ThreadPoolExecutor(AT_ONCE) as pool:
                    waits = [
                        pool.submit(_get, port, page, start)
                        for page in pages[first + AT_ONCE : first + 2 * AT_ONCE]
                    ]
                    at_once.append(max(w.result() for w in waits))
                page = pages[trial]
                _changed(config, 2 * trial)
                alone.append(_get(port, page))
                _changed(config, 2 * trial + 1)
                start = threading.Barrier(SAME_PAGE)
                with ThreadPoolExecutor(SAME_PAGE) as pool:
                    waits = [pool.submit(_get, port, page, start) for _ in range(SAME_PAGE)]
                    same.append(max(w.result() for w in waits))
    finally:
        (config / "upheld.toml").write_text(kept, encoding="utf-8")
    median = statistics.median
    return [
        _row(f"{AT_ONCE} council pages", median(in_turn), median(at_once)),
        _row(f"one council page, {SAME_PAGE} times", median(alone), median(same)),
    ]


def _row(what: str, baseline: float, rush: float) -> dict[str, Any]:
    return {
        "what": f"{what}, just after a change",
        "baseline_ms": round(baseline * 1000),
        "at_once_ms": round(rush * 1000),
        "ratio": round(rush / baseline, 2),
        "met": rush / baseline <= TARGET_RATIO,
    }


def report(results: list[dict[str, Any]]) -> str:
    """The results as a Markdown table."""
    lines = [
        f"Median of {TRIALS} trials, one worker, full demo, each just after the configuration "
        "changed.",
        "",
        "| what | one after another (or once): all answered, ms | at once: the last answered, ms "
        f"| ratio (target ≤ {TARGET_RATIO:g}) | met |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['what']} | {r['baseline_ms']:,} | {r['at_once_ms']:,} | {r['ratio']} | "
            f"{'yes' if r['met'] else 'NO'} |"
        )
    return "\n".join(lines)
