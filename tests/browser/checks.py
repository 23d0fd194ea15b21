"""Every page a journey visits is checked (issue 15): axe-core finds no serious or critical WCAG 2.1 A/AA
violation (tests/browser/axe.py), the page does not scroll sideways, and at a desktop width the header
stays a header (an English navigation wrapping into a tall list is a finding, not a layout).

`PageChecks(page)` listens to the page's loads. The journey calls `checks()` once the page it reached
shows what it waits for (after a goto, a click that navigates, an htmx swap); `checks.done()` then fails
the test listing every finding with its page - and also names every page that loaded but was never
checked, so a journey step cannot slip past the checks."""

from playwright.sync_api import Error as PlaywrightError

from tests.browser.axe import violations

DESKTOP_HEADER_MAX = 140  # CSS px: the brand, one row of navigation and the user box


def sideways(page) -> int:
    """How far the page scrolls sideways, in CSS pixels (0 when it fits)."""
    return page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth"
    )


# the innermost elements reaching past the window's right edge, to name in a sideways finding
WIDEST = """() => [...document.body.querySelectorAll("*")]
  .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1
    && ![...el.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1))
  .slice(0, 4).map(el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (el.className && typeof el.className === "string" ? "." + el.className.trim().replace(/ +/g, ".") : "")
    + " (" + Math.round(el.getBoundingClientRect().right) + " px)")"""


class PageChecks:
    def __init__(self, page, label: str = ""):
        self.page, self.label = page, label
        self.findings: list[str] = []
        self.loaded: list[str] = []  # every document that finished loading, in order
        self.checked = 0  # how many of `loaded` the checks have seen (they look at the latest)
        self.skipped: list[str] = []
        self.visited: list[str] = []
        page.on("load", lambda p: self.loaded.append(p.url))

    def _where(self, what: str) -> str:
        path = self.page.url.split("://", 1)[-1].split("/", 1)[-1]
        return f"{self.label} /{path}{f' ({what})' if what else ''}"

    def __call__(self, what: str = "") -> None:
        """Check the page as it is now (after it finished loading)."""
        for attempt in range(3):
            try:
                self.page.wait_for_load_state("load")
                found = self._inspect()
                break
            except PlaywrightError as exc:  # the page navigated while being checked: check the new one
                if attempt == 2 or "context was destroyed" not in str(exc) and "navigat" not in str(exc):
                    raise
        where = self._where(what)
        self.visited.append(where)
        self.findings += [f"{where}: {f}" for f in found]
        # a document that loaded since the last check and is not the one just checked was skipped
        self.skipped += [url for url in self.loaded[self.checked : -1] if url != self.page.url]
        self.checked = len(self.loaded)

    def _inspect(self) -> list[str]:
        found = [f"axe {v['impact']} {v['id']} ({v['help']}): {' | '.join(v['nodes'])}" for v in violations(self.page)]
        over = sideways(self.page)
        if over > 0:
            found.append(
                f"scrolls sideways by {over} px at {self.page.viewport_size['width']} px, past the edge: "
                + ", ".join(self.page.evaluate(WIDEST))
            )
        width = self.page.viewport_size["width"]
        header = self.page.locator("header.topbar").bounding_box()
        if width >= 1024 and header and header["height"] > DESKTOP_HEADER_MAX:
            found.append(f"the header is {header['height']:.0f} px tall at {width} px (the navigation wraps)")
        return found

    def done(self) -> None:
        unchecked = self.skipped + self.loaded[self.checked :]
        problems = self.findings + [f"{self.label} {url}: loaded but never checked" for url in unchecked]
        assert not problems, f"{len(problems)} finding(s) on the pages visited:\n" + "\n".join(problems)
        assert self.visited, "no page was checked"
