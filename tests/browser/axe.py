"""axe-core in the browser tests (issue 15, GB/T 37668 / WCAG 2.1 AA): the vendored axe.min.js
(tests/browser/vendor, from the npm registry) is evaluated in the page through Playwright (DevTools, so the
portal's Content-Security-Policy stays as it is), then axe.run checks the WCAG 2.0/2.1 A and AA rules.
`violations` returns the serious and critical ones, each with its rule, help text and first elements."""

from pathlib import Path

AXE_JS = (Path(__file__).resolve().parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")

RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " — " + (n.failureSummary || "").split("\\n")[1])}));
}"""


def violations(page) -> list[dict]:
    """The page's serious and critical axe violations."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_JS)
    return [v for v in page.evaluate(RUN, TAGS) if v["impact"] in BLOCKING]
