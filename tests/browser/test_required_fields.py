"""Required fields are marked (issue 15, forms): each field whose control is required shows an asterisk
beside its label - drawn by portal.css outside the <label>, with empty alternative text, so the field's
accessible name stays its label's words exactly - and its form opens with the legend "标 * 的为必填项"
(portal.js), in the page's language. A field that may be left empty has no asterisk."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from registry.models import Enterprise
from tests.browser.conftest import log_in
from tests.browser.test_role_walks import USCC, people  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser

FIELDS = """els => els.map(f => {
  const control = f.querySelector("input:not([type=hidden]), select, textarea");
  const label = f.querySelector("label");
  return {label: label ? label.textContent.trim() : "", required: !!(control && control.required),
          mark: getComputedStyle(f, "::after").content};
})"""


@pytest.mark.parametrize(
    ("language", "label", "legend"),
    [("zh-hans", "中心名称", "标 * 的为必填项"), ("en", "Centre name", "Fields marked * are required")],
)
def test_required_fields_carry_an_asterisk_outside_their_label(page, people, language, label, legend):  # noqa: F811
    log_in(page, "qiye")
    page.goto(reverse("registry:centre_create", args=[Enterprise.objects.get(uscc=USCC).pk]))
    if language != "zh-hans":
        page.locator("#lang-select").select_option(language)
        expect(page.locator("html")).to_have_attribute("lang", language)
    fields = page.locator("main form .field").evaluate_all(FIELDS)
    required = [f for f in fields if f["required"]]
    optional = [f for f in fields if not f["required"] and f["label"]]
    assert required and optional, fields  # the centre form has both kinds
    for f in required:
        assert f["mark"].startswith('"*"'), f"{f['label']}: no asterisk"
        assert f["mark"].endswith('/ ""'), f"{f['label']}: the asterisk would be read out"
    for f in optional:
        assert f["mark"] in ("none", "normal"), f"{f['label']}: marked but not required"
    # the label is the accessible name, word for word, and the control says it is required
    field = page.get_by_label(label, exact=True)
    expect(field).to_have_attribute("required", "")
    expect(page.get_by_role("textbox", name=label, exact=True)).to_be_visible()
    expect(page.locator("main form .required-note")).to_have_count(1)
    expect(page.locator("main form .required-note")).to_have_text(legend)
