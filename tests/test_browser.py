"""The website in a real browser: Debian's Chromium driven by Playwright against a live server.

One demo database, one uvicorn server and one Chromium serve the whole session. The tests skip
where /usr/bin/chromium is absent; CI installs it (`.ci/run`), so they run there. They also check
every page type with axe-core (WCAG 2.2 AA and best practice), run with the site's
Content-Security-Policy on (a breach fails the test), and take screenshots of the home page and a
council page (into docs/screenshots/ with `make screenshots`).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdf
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    FloatRect,
    Page,
    ViewportSize,
    expect,
    sync_playwright,
)
from sqlalchemy import exists, select

from tests.servers import live_server
from upheld import search
from upheld.register import builtin
from upheld.site import home
from upheld.site.identity import decision_path
from upheld.site.model import Site
from upheld.store import engines, schema
from upheld.synthetic import DemoSpec, demo
from upheld.web import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS_VARIABLE = "UPHELD_SCREENSHOTS"
"""Where the screenshots for the docs go: `make screenshots` sets it to docs/screenshots."""
BURY = "E08000002"
NORTHAMPTON = "E07000154"  # abolished on 31 March 2021, so 2020-21 is its last year
BOLTON = "E08000001"
KENT = "E10000016"
CAMDEN = "E09000007"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"needs Debian's Chromium at {CHROMIUM} "
        "(apt-get install -y --no-install-recommends chromium)",
    ),
]


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> demo.Demo:
    """A small demo, with its letters."""
    folder = tmp_path_factory.mktemp("browser")
    return demo.build(folder, builtin(), DemoSpec(scale=0.5), say=lambda _text: None)


@pytest.fixture(scope="session")
def base_url(built: demo.Demo) -> Iterator[str]:
    """A live server over a small demo (every year published by the real clock)."""
    # `upheld import cases` rebuilds the decision search index; the demo may leave it to us.
    with engines.connect(built.url).begin() as connection:
        if not search.index_is_current(connection):
            search.refresh_index(connection)
    site = Site(engines.connect(built.url, read_only=True), built.config)
    with live_server(create_app(site)) as base:
        yield base


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def watch_policy(page: Page) -> list[str]:
    """Every breach of the Content-Security-Policy the browser reports on a page, as it happens."""
    refused: list[str] = []

    def heard(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(f"{page.url}: {message.text}")

    page.on("console", heard)
    return refused


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    """A fresh page at a desktop width; relative addresses go to the live server. Any breach of
    the site's Content-Security-Policy while the test runs fails it."""
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    opened = context.new_page()
    refused = watch_policy(opened)
    yield opened
    context.close()
    assert not refused, "\n".join(refused)


# axe-core's default rules (WCAG 2.0-2.2 A and AA, and best practice) plus target-size, the
# WCAG 2.2 AA rule for 2.5.8 Target Size (Minimum) that axe leaves off by default.
AXE_OPTIONS: dict[str, Any] = {
    "resultTypes": ["violations"],
    "rules": {"target-size": {"enabled": True}},
}


def violations(page: Page) -> list[dict[str, Any]]:
    """The axe-core violations on the page as it stands."""
    found: list[dict[str, Any]] = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    return found


def describe(found: list[dict[str, Any]]) -> str:
    """Violations as lines of id, impact, help and the selectors of the failing elements."""
    lines = []
    for violation in found:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
        shown = "; ".join(targets[:8]) + (
            f"; and {len(targets) - 8} more" if len(targets) > 8 else ""
        )
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}: {shown}")
    return "\n".join(lines)


def rows_shown(page: Page) -> list[str]:
    """The names in the home page's table rows that are showing."""
    names: list[str] = page.locator("#council-table tbody tr:not([hidden]) th").all_inner_texts()
    return names


@pytest.mark.parametrize(("tier", "councils"), [("upper", 153), ("lower", 296)])
def test_map_shows_every_council_with_a_key(page: Page, tier: str, councils: int) -> None:
    page.goto(f"/?year=2024-25&tier={tier}")
    svg = page.locator(".map svg")
    expect(svg).to_be_visible()
    box = svg.bounding_box()
    assert box is not None
    assert box["width"] > 400
    assert box["height"] > 400
    assert page.locator(".map svg .hex-link").count() == councils
    assert page.locator("#council-table tbody tr").count() == councils
    map_codes = set(page.locator(".map .hex").evaluate_all("hs => hs.map(h => h.dataset.code)"))
    table_codes = set(
        page.locator("#council-table tbody tr").evaluate_all(
            "rows => rows.map(r => r.dataset.code)"
        )
    )
    assert map_codes == table_codes
    assert len(map_codes) == councils
    # The key explains every colour on the map.
    expect(page.get_by_role("heading", name="Key")).to_be_visible()
    swatches = page.locator(".legend .swatch")
    assert swatches.count() >= 5
    expect(swatches.first).to_be_visible()
    # A hatched fill is a pattern, whose id differs between the map and the key.
    fill = (
        "(e => { const f = getComputedStyle(e).fill; "
        "return f.startsWith('url(') ? 'hatched' : f; })"
    )
    key_colours = set(
        swatches.evaluate_all(f"ss => ss.map(s => {fill}(s.querySelector(':scope > rect')))")
    )
    map_colours = set(page.locator(".map .hex").evaluate_all(f"hs => hs.map({fill})"))
    assert len(map_colours) >= 3
    assert map_colours <= key_colours
    # Councils with no figure are white like their swatch, so they need an outline to be seen.
    unseen = page.locator(".map .hex").evaluate_all(
        """hs => hs.filter(h => {
            const style = getComputedStyle(h);
            return style.fill === "rgb(255, 255, 255)" && style.stroke === "rgb(255, 255, 255)";
        }).map(h => h.dataset.code)"""
    )
    assert unseen == []


def test_clicking_a_hexagon_opens_the_council(page: Page) -> None:
    page.goto("/?year=2024-25&tier=upper")
    page.locator(f'.hex-link:has(.hex[data-code="{BURY}"])').click()
    expect(page).to_have_url(re.compile(rf"/councils/{BURY}/2024-25$"))
    expect(page.locator("h1")).to_have_text("Bury Metropolitan Borough Council")


def focused(page: Page, selector: str) -> bool:
    result: bool = page.evaluate("s => document.activeElement.matches(s)", selector)
    return result


def test_keyboard_reaches_a_council_through_the_map(page: Page) -> None:
    page.goto("/?year=2024-25&tier=upper")
    page.keyboard.press("Tab")
    assert focused(page, "a.skip-link[href='#content']")
    skip = page.locator(".skip-link").bounding_box()
    assert skip is not None
    assert skip["x"] >= 0  # shown on screen once focused
    page.keyboard.press("Tab")
    assert focused(page, "header a.site-title")
    page.keyboard.press("Tab")
    assert focused(page, "nav[aria-label='Main'] a[href='/']")
    passed_skip_map = False
    for _ in range(30):
        page.keyboard.press("Tab")
        passed_skip_map = passed_skip_map or focused(page, "a.skip-map")
        if focused(page, ".map .hex-link"):
            break
    else:
        pytest.fail("Tab never reached a hexagon on the map")
    assert passed_skip_map, "a keyboard user can skip the map's hundreds of links"
    # The focused hexagon looks different from the others.
    styles = "h => [getComputedStyle(h).stroke, getComputedStyle(h).strokeWidth]"
    focused_style = page.evaluate(f"({styles})(document.activeElement.querySelector('.hex'))")
    other_style = page.locator(".map .hex").nth(5).evaluate(styles)
    assert focused_style[0] != other_style[0]
    assert float(focused_style[1].removesuffix("px")) >= 2 * float(
        other_style[1].removesuffix("px")
    )
    target = page.evaluate("document.activeElement.getAttribute('href')")
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(target) + "$"))
    expect(page.locator("h1")).to_have_text(label.split(":")[0])


def test_funnel_plot_points_are_links_a_keyboard_can_follow(page: Page) -> None:
    page.goto("/national/2024-25")
    points = page.locator(".funnel a.funnel-link")
    rows = page.locator("details.funnel-table tbody tr")
    assert points.count() == rows.count() > 100
    # The table is there for whoever cannot use the plot: open one and read it.
    page.locator("details.funnel-table summary").first.click()
    expect(page.locator("details.funnel-table tbody tr").first).to_be_visible()
    # Choosing another figure redraws the plots (without a button press, with JavaScript).
    page.select_option("#statistic", "upheld_per_100k")
    expect(page).to_have_url(re.compile(r"statistic=upheld_per_100k"))
    expect(page.locator(".funnel svg title").first).to_contain_text("Upheld per 100,000")
    page.locator("#statistic").focus()
    for _ in range(10):
        page.keyboard.press("Tab")
        if focused(page, ".funnel a.funnel-link"):
            break
    else:
        pytest.fail("Tab never reached a council on a funnel plot")
    styles = "g => [getComputedStyle(g).stroke, getComputedStyle(g).strokeWidth]"
    point = "document.activeElement.querySelector('.funnel-point')"
    focused_style = page.evaluate(f"({styles})({point})")
    other_style = page.locator(".funnel .funnel-point").nth(7).evaluate(styles)
    assert focused_style != other_style, "the focused council looks different"
    target = page.evaluate("document.activeElement.getAttribute('href')")
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(target) + "$"))
    assert label.split(":")[0] in page.locator("h1").inner_text()


def test_skip_links_move_focus_past_the_header_and_the_map(page: Page) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    # After skipping the header, the next stop is in the main content.
    assert focused(page, "main *")
    page.locator("a.skip-map").focus()
    expect(page.locator("a.skip-map")).to_be_visible()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert focused(page, "#find-council")


def test_finding_a_council_on_the_map(page: Page) -> None:
    page.goto("/?year=2024-25&tier=upper")
    total = page.locator(".map .hex").count()
    names = rows_shown(page)
    expected = [name for name in names if "bury" in name.lower()]
    assert "Bury Metropolitan Borough Council" in expected
    page.locator("#find-council").fill("Bury")
    expect(page.locator("#find-status")).to_contain_text(f"{len(expected)} council")
    assert rows_shown(page) == expected
    assert page.locator(".map .hex.dim").count() == total - len(expected)
    assert page.locator(f'.map .hex[data-code="{BURY}"]:not(.dim)').count() == 1
    assert (
        float(page.locator(".map .hex.dim").first.evaluate("h => getComputedStyle(h).opacity"))
        < 0.5
    )
    page.locator("#find-council").fill("")
    assert page.locator(".map .hex.dim").count() == 0
    assert len(rows_shown(page)) == total


def test_finding_a_council_without_javascript(browser: Browser, base_url: str) -> None:
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/")
        page.locator("#find-council").fill("Bury")
        page.locator("#find-council").press("Enter")
        expect(page).to_have_url(re.compile(r"/councils\?q=Bury$"))
        expect(page.get_by_role("status")).to_contain_text("match “Bury”")
        expect(page.get_by_role("link", name="Bury Metropolitan Borough Council")).to_be_visible()
        # The choices above the map still work, with their button.
        page.goto("/?year=2024-25")
        expect(page.locator("#choices-hint")).to_be_hidden()
        page.locator("#tier").select_option("lower")
        page.get_by_role("button", name="Show").click()
        expect(page).to_have_url(re.compile(r"tier=lower"))
        assert page.locator(".map .hex-link").count() == 296
    finally:
        context.close()


def test_choosing_year_figure_and_tier_redraws_the_map(page: Page) -> None:
    page.goto("/?year=2024-25&tier=upper")
    caption = page.locator("#council-table caption")
    expect(caption).to_have_text("Uphold rate by council, 2024-25")
    expect(page.locator("#choices-hint")).to_be_visible()
    assert page.locator("#statistic").get_attribute("aria-describedby") == "choices-hint"
    page.locator("#statistic").select_option("compliance_rate")
    expect(page).to_have_url(re.compile(r"statistic=compliance_rate"))
    expect(caption).to_have_text("Compliance rate by council, 2024-25")
    expect(page.locator(".map svg title").first).to_contain_text("ompliance")
    page.locator("#year").select_option("2020-21")
    expect(page).to_have_url(re.compile(r"year=2020-21"))
    expect(caption).to_have_text("Compliance rate by council, 2020-21")
    assert page.locator("#statistic").input_value() == "compliance_rate"
    upper = page.locator(".map .hex-link").count()
    page.locator("#tier").select_option("lower")
    expect(page).to_have_url(re.compile(r"tier=lower"))
    expect(page.locator("#tier")).to_have_value("lower")
    lower = page.locator(".map .hex-link").count()
    assert lower > upper
    assert lower == page.locator("#council-table tbody tr").count()


def test_searching_decisions_with_a_filter(page: Page) -> None:
    page.goto("/decisions")
    page.locator("#q").fill("care")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(re.compile(r"q=care"))
    status = page.locator("section[aria-labelledby='results-heading'] [role=status]")
    expect(status).to_contain_text("matching “care”")
    total = int(status.locator("strong").inner_text().replace(",", ""))
    assert total > 0
    assert page.locator(".results > li").count() == min(total, 20)
    marks = page.locator(".results mark").all_inner_texts()
    assert marks, "matches are highlighted"
    assert all(mark.lower().startswith("car") for mark in marks), marks
    # Tick the first service area and apply: the count is the one the filter promised.
    area = page.locator("fieldset", has=page.locator("legend", has_text="Service area"))
    option = area.locator("li").first
    promised = int(
        re.findall(r"\(([\d,]+)\)", option.locator("label").inner_text())[-1].replace(",", "")
    )
    assert 0 < promised < total
    option.locator("input").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"category="))
    expect(page).to_have_url(re.compile(r"q=care"))
    narrowed = int(status.locator("strong").inner_text().replace(",", ""))
    assert narrowed == promised
    assert page.locator(".results > li").count() == min(promised, 20)
    expect(area.locator("input:checked")).to_have_count(1)


def test_a_phone_can_skip_the_decision_filters(page: Page) -> None:
    page.set_viewport_size(PHONE)
    page.goto("/decisions?q=care")
    skip = page.get_by_role("link", name=re.compile(r"^Skip the filters to the [\d,]+ results$"))
    expect(skip).to_be_visible()
    skip.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#results$"))
    page.keyboard.press("Tab")
    assert focused(page, ".results h3 a")
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(skip).to_be_hidden()  # beside the results on a wider screen


PAGE_TYPES = {
    "home upper tier": "/?year=2024-25&tier=upper",
    "home lower tier": "/?year=2024-25&tier=lower&statistic=compliance_rate",
    "councils": "/councils",
    "council search": "/councils?q=bury",
    "council": f"/councils/{BURY}/2024-25",
    "abolished council": f"/councils/{NORTHAMPTON}/2020-21",
    "letter": f"/councils/{BURY}/2024-25/letter.html",
    "decisions search": "/decisions?q=care",
    "decision": "",  # the first result of the search above
    "improvements": "/improvements",
    "reports": "/reports",
    "national": "/national/2024-25",
    "national funnel plots": "/national/2024-25?statistic=upheld_per_100k",
    "council funnel plot": f"/councils/{BURY}/2024-25?funnel=compliance_rate&group=nearest",
    "downloads": "/downloads",
    "revision log": "/revisions",
    "feeds": "/feeds",
    "methodology": "/methodology",
    "api": "/api",
    "not found": "/councils/E99999999",
    "compare": f"/compare?council={BURY}&council={BOLTON}&council={KENT}&council={CAMDEN}"
    "&year=2024-25",
    "compare form": f"/compare?with={BURY}&year=2024-25",
    "compare with a problem": f"/compare?council={BURY}&council=Atlantis&year=2024-25",
    "home sorted": "/?year=2024-25&tier=lower&sort=comparison&order=desc",
}
STATUSES = {"not found": 404, "compare with a problem": 404}
"""The page types that answer an error, with its status; the rest answer 200."""
PHONE: ViewportSize = {"width": 390, "height": 844}


def open_page_type(page: Page, name: str) -> None:
    if name == "decision":
        page.goto(PAGE_TYPES["decisions search"])
        page.locator(".results h3 a").first.click()
        expect(page).to_have_url(re.compile(r"/decisions/[^?]+$"))
        return
    response = page.goto(PAGE_TYPES[name])
    assert response is not None
    assert response.status == STATUSES.get(name, 200), PAGE_TYPES[name]


@pytest.mark.parametrize("name", list(PAGE_TYPES))
def test_axe_finds_no_violations(page: Page, name: str) -> None:
    open_page_type(page, name)
    found = violations(page)
    assert not found, f"{page.url}:\n{describe(found)}"


@pytest.mark.parametrize(
    "name",
    [
        "council",
        "home upper tier",
        "home lower tier",
        "decisions search",
        "national",
        "national funnel plots",
        "methodology",
        "compare",
    ],
)
def test_axe_finds_no_violations_on_a_phone(page: Page, name: str) -> None:
    page.set_viewport_size(PHONE)
    open_page_type(page, name)
    found = violations(page)
    assert not found, f"{page.url} at 390 px:\n{describe(found)}"


@pytest.mark.parametrize("name", [n for n in PAGE_TYPES if n != "letter"])
def test_pages_fit_a_phone_without_sideways_scrolling(page: Page, name: str) -> None:
    page.set_viewport_size(PHONE)
    open_page_type(page, name)
    # Wide tables scroll inside their own box; the page itself reflows (WCAG 1.4.10).
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a 390 px phone"


def test_a_comparison_scrolls_sideways_on_a_phone_and_shows_it(page: Page) -> None:
    """Four councils do not fit a phone: each table wider than the screen scrolls inside its own
    box (which the keyboard can reach), shows a shadow at the edge with more to see, keeps its
    first column in view, and the page says the tables scroll; the page itself never does."""
    page.set_viewport_size(PHONE)
    open_page_type(page, "compare")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    boxes = page.locator(".table-wrap")
    wide = 0
    for i in range(boxes.count()):
        box = boxes.nth(i)
        if not box.evaluate("b => b.scrollWidth > b.clientWidth + 1"):
            continue
        wide += 1
        assert box.evaluate("b => b.classList.contains('scroll-cue')"), i
        assert "gradient" in box.evaluate("b => getComputedStyle(b).backgroundImage"), i
        assert box.get_attribute("tabindex") == "0", i
    assert wide >= 1, "four councils should not fit a phone's width"
    expect(page.locator(".scroll-hint").first).to_be_visible()
    # Scrolled to its far end, the key figures' names are still beside them.
    first = boxes.first
    first.evaluate("b => { b.scrollLeft = b.scrollWidth; }")
    frame, name = first.bounding_box(), first.locator("tbody th").first.bounding_box()
    assert frame is not None
    assert name is not None
    assert abs(name["x"] - frame["x"]) < 2
    assert first.evaluate("b => b.scrollLeft") > 0
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(page.locator(".scroll-hint").first).to_be_hidden()


def test_the_security_policy_is_on_and_would_catch_a_breach(
    browser: Browser, base_url: str
) -> None:
    context = browser.new_context(base_url=base_url)
    opened = context.new_page()
    refused = watch_policy(opened)
    response = opened.goto(f"/councils/{BURY}/2024-25")
    assert response is not None
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert refused == []
    opened.evaluate(
        "document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>');"
        "const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
        "document.body.appendChild(s);"
    )
    expect(opened.locator("p", has_text="x").last).to_be_attached()
    assert opened.evaluate("window.ran") is None
    opened.wait_for_timeout(200)
    assert any("inline style" in r for r in refused), refused
    assert any("inline script" in r for r in refused), refused
    context.close()


def test_print_leaves_out_navigation_and_forms(page: Page) -> None:
    page.goto(f"/councils/{BURY}/2024-25")
    page.emulate_media(media="print")
    expect(page.locator("nav[aria-label='Main']")).to_be_hidden()
    expect(page.locator("h1")).to_be_visible()
    page.goto("/decisions?q=care")
    expect(page.locator(".facets")).to_be_hidden()
    expect(page.locator("form[role=search]")).to_be_hidden()
    expect(page.locator(".results")).to_be_visible()


def screenshot(page: Page, path: Path, height: int) -> None:
    """The top of the page, at most `height` pixels tall, as a PNG for the docs and CI."""
    path.parent.mkdir(parents=True, exist_ok=True)
    full = int(page.evaluate("document.documentElement.scrollHeight"))
    width = int(page.evaluate("document.documentElement.clientWidth"))
    clip: FloatRect = {"x": 0, "y": 0, "width": width, "height": min(full, height)}
    page.screenshot(path=path, full_page=True, clip=clip)


def test_screenshots_for_the_docs(page: Page, tmp_path: Path) -> None:
    # Written to a temporary folder unless asked for, so a test run never changes tracked files.
    folder = Path(os.environ.get(SCREENSHOTS_VARIABLE) or tmp_path)
    page.goto("/?year=2024-25&tier=upper")
    expect(page.locator(".map svg")).to_be_visible()
    screenshot(page, folder / "home.png", 2000)
    page.goto(f"/councils/{BURY}/2024-25")
    expect(page.locator("h1")).to_have_text("Bury Metropolitan Borough Council")
    screenshot(page, folder / "council.png", 2600)
    for name in ("home.png", "council.png"):
        size = (folder / name).stat().st_size
        assert 20_000 < size < 2_000_000, (name, size)


def test_the_html_letter_prints_on_the_same_pages_as_the_pdf(
    browser: Browser, built: demo.Demo
) -> None:
    """Printed from the browser, each HTML letter takes as many A4 pages as its PDF, and the
    sign-off stays with the signatory's name (the shortest and the longest letters, and some
    between)."""
    by_size = sorted(built.letters.glob("*.html"), key=lambda p: p.stat().st_size)
    chosen = [*by_size[:2], *by_size[len(by_size) // 2 : len(by_size) // 2 + 2], *by_size[-3:]]
    page = browser.new_page()
    try:
        for html in chosen:
            page.goto(html.resolve().as_uri())
            printed = pypdf.PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))
            typeset = pypdf.PdfReader(html.with_suffix(".pdf"))
            assert len(printed.pages) == len(typeset.pages), html.name
            last = " ".join(printed.pages[-1].extract_text().split())
            assert "Yours sincerely," in last, html.name
            assert "Alex Example" in last, html.name
            assert f"Page {len(printed.pages)} of {len(printed.pages)}" in last, html.name
    finally:
        page.close()


@pytest.fixture(scope="session")
def whole_story(built: demo.Demo) -> str:
    """The address of a published decision followed by a compliance outcome, service improvements
    and a public report."""
    cases, compliance = schema.cases.c, schema.compliance.c
    improvements, reports = schema.improvements.c, schema.reports.c
    with engines.connect(built.url, read_only=True).connect() as connection:
        reference = connection.execute(
            select(cases.reference)
            .join(schema.compliance, compliance.reference == cases.reference)
            .where(
                cases.publish.is_(True),
                exists().where(improvements.reference == cases.reference),
                exists().where(reports.reference == cases.reference),
            )
            .order_by(cases.decided, cases.reference)
        ).scalar()
    assert reference is not None
    return decision_path(reference)


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, PHONE], ids=["desktop", "phone"]
)
def test_a_decision_with_its_whole_story_passes_axe(
    page: Page, whole_story: str, viewport: ViewportSize
) -> None:
    page.set_viewport_size(viewport)
    response = page.goto(whole_story)
    assert response is not None
    assert response.status == 200, whole_story
    for heading in ("Did the council do what we recommended?", "Service improvements"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"^Public reports?$"))).to_be_visible()
    expect(page.locator("main time").first).to_have_attribute(
        "datetime", re.compile(r"^\d{4}-\d\d-\d\d$")
    )
    found = violations(page)
    assert not found, f"{page.url} at {viewport['width']} px:\n{describe(found)}"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{page.url} is {width} px wide"


@pytest.mark.parametrize("name", [n for n in PAGE_TYPES if n != "letter"])
def test_every_table_too_wide_for_a_phone_scrolls_and_shows_it(page: Page, name: str) -> None:
    """A table wider than a phone scrolls inside its own box, which the keyboard can reach and
    which shows a shadow at the edge with more to see; none is clipped without a cue."""
    page.set_viewport_size(PHONE)
    open_page_type(page, name)
    tables = page.locator("table")
    for i in range(tables.count()):
        table = tables.nth(i)
        if not table.is_visible():
            continue
        clipped = table.evaluate(
            "t => t.getBoundingClientRect().width > t.parentElement.clientWidth + 1"
        )
        if not clipped:
            continue
        box = table.locator("xpath=..")
        assert box.evaluate("b => getComputedStyle(b).overflowX") in ("auto", "scroll"), i
        assert "gradient" in box.evaluate("b => getComputedStyle(b).backgroundImage"), i
        assert box.get_attribute("tabindex") == "0", (page.url, i)
    page.set_viewport_size({"width": 1280, "height": 900})


# The map people can read (issue 11) ----------------------------------------------------------


def test_the_key_sits_beside_the_map_on_a_wide_screen_and_above_it_on_a_phone(page: Page) -> None:
    page.goto("/?year=2024-25&tier=upper")
    svg = page.locator(".map svg").bounding_box()
    key = page.get_by_role("heading", name="Key").bounding_box()
    assert svg is not None
    assert key is not None
    assert key["x"] >= svg["x"] + svg["width"]  # to its right...
    assert svg["y"] - 50 <= key["y"] <= svg["y"] + svg["height"] / 2  # ...beside its top half
    expect(page.locator(".key-strip")).to_be_hidden()
    page.set_viewport_size(PHONE)
    strip = page.locator(".key-strip")
    expect(strip).to_be_visible()
    assert strip.get_attribute("aria-hidden") == "true"  # the full key follows the map
    box, svg = strip.bounding_box(), page.locator(".map svg").bounding_box()
    assert box is not None
    assert svg is not None
    assert 0 <= svg["y"] - (box["y"] + box["height"]) < 40  # directly above the map
    # Every colour on the map is named in the strip.
    assert strip.locator("li").count() == page.locator(".legend li").count()


def test_lower_tier_hexagons_are_touch_sized_on_a_phone(page: Page) -> None:
    page.set_viewport_size(PHONE)
    page.goto("/?year=2024-25&tier=lower")
    sizes = page.locator(".map .hex").evaluate_all(
        "hs => hs.map(h => { const b = h.getBoundingClientRect(); return [b.width, b.height]; })"
    )
    assert len(sizes) == 296
    assert min(w for w, _ in sizes) >= 24
    assert min(h for _, h in sizes) >= 24
    # The map scrolls sideways in its own box, says so, and the page does not.
    box = page.locator(".map-scroll")
    assert box.evaluate("b => b.scrollWidth > b.clientWidth")
    expect(page.locator(".map-hint")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # The upper tier fits the screen at the same size.
    page.goto("/?year=2024-25&tier=upper")
    sizes = page.locator(".map .hex").evaluate_all(
        "hs => hs.map(h => h.getBoundingClientRect().width)"
    )
    assert min(sizes) >= 24
    assert not page.locator(".map-scroll").evaluate("b => b.scrollWidth > b.clientWidth")


def codes_in_table(page: Page) -> list[str]:
    codes: list[str] = page.locator("#council-table tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.code)"
    )
    return codes


def test_the_table_sorts_in_place_as_the_server_sorts_it(page: Page) -> None:
    query = "year=2024-25&tier=lower&statistic=compliance_rate"
    served = page.context.new_page()
    try:
        page.goto(f"/?{query}")
        map_drawn = page.locator(".map svg").inner_html()
        for column in home.SORTS:
            link = page.locator(f'#council-table thead a[data-sort="{column}"]')
            # A click sorts by the column one way; a second click turns it round.
            for _ in range(2):
                wanted = link.get_attribute("data-order")
                link.click()
                expect(page).to_have_url(re.compile(rf"sort={column}&order={wanted}#table$"))
                heading = page.locator(f'#council-table thead th:has(a[data-sort="{column}"])')
                expect(heading).to_have_attribute(
                    "aria-sort", "ascending" if wanted == "asc" else "descending"
                )
                assert page.locator("#council-table thead th[aria-sort]").count() == 1
                served.goto(f"/?{query}&sort={column}&order={wanted}")
                assert codes_in_table(page) == codes_in_table(served), (column, wanted)
                expect(page.locator("#sort-status")).to_have_text(
                    served.locator("#sort-status").inner_text()
                )
        # Sorting never reloads the page: the map is the one first drawn.
        assert page.locator(".map svg").inner_html() == map_drawn
        # Worst first (for compliance, lowest first), and the downloads follow the order.
        page.get_by_role("link", name="Worst first", exact=True).click()
        expect(page).to_have_url(re.compile(r"sort=value&order=asc#table$"))
        served.goto(f"/?{query}&sort=value&order=asc")
        assert codes_in_table(page) == codes_in_table(served)
        csv_link = page.get_by_role("link", name="CSV", exact=True).get_attribute("href") or ""
        assert "sort=value" in csv_link
        assert "order=asc" in csv_link
    finally:
        served.close()


def test_the_table_sorts_without_javascript(browser: Browser, base_url: str) -> None:
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/?year=2024-25&tier=upper")
        page.get_by_role("link", name="Worst first", exact=True).click()
        expect(page).to_have_url(re.compile(r"sort=value&order=desc#table$"))
        expect(page.locator("#sort-status")).to_have_text("Sorted by uphold rate, highest first.")
        values = page.locator("#council-table tbody tr").evaluate_all(
            "rows => rows.filter(r => r.dataset.value !== '' && r.dataset.comparison !== 'too_few'"
            " && r.dataset.comparison !== '').map(r => parseFloat(r.dataset.value))"
        )
        assert values == sorted(values, reverse=True)
        first = page.locator("#council-table tbody tr").first
        assert first.get_attribute("data-comparison") not in ("", "too_few")
        page.locator('#council-table thead a[data-sort="council"]').click()
        expect(page).to_have_url(re.compile(r"sort=council&order=asc#table$"))
        names = page.locator("#council-table tbody tr").evaluate_all(
            "rows => rows.map(r => r.dataset.name)"
        )
        assert names == sorted(names)
    finally:
        context.close()
