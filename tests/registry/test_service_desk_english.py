"""English mode of the service-desk pages (issue 15: one language per page, English mode complete): the
办事指南, a filing with its 信用承诺书, stage tracking and 撤回, the researcher list with its sorting and
export, the enterprise page with its bank details read in English only, with no Chinese left but stored
data."""

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from registry import services
from registry.models import Centre, FilingLevel
from tests.registry.conftest import attach_required
from tests.test_i18n import _chinese_left, compiled_locale, english_catalogue, people  # noqa: F401

pytestmark = pytest.mark.django_db


def _english(client, url: str) -> str:
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    assert '<html lang="en">' in html
    return html


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_guides_read_in_english(client, english_catalogue):  # noqa: F811
    for level, title in (
        ("regional", "Regional enclave R&D centre filing"),
        ("yinchuan", "Yinchuan enclave R&D centre filing"),
    ):
        html = _english(client, reverse("registry:guide", args=[level]))
        assert (
            f"Service guide: {title.replace('&', '&amp;')}" in html
            and "Promised time limits" in html
            and "Credit commitment" in html
        )
        assert _chinese_left(html) == [], level


def test_a_filing_reads_in_english_from_draft_to_withdrawal(client, people, english_catalogue, media):  # noqa: F811
    owner = people["enterprise"]
    centre = Centre.objects.get(name="Weili Shanghai R&D Centre")
    filing = services.filing_create(actor=owner, centre=centre, level=FilingLevel.REGIONAL)
    attach_required(actor=owner, filing=filing)
    client.force_login(owner)
    url = reverse("registry:filing_detail", args=[filing.pk])
    draft = _english(client, url)
    assert "We have read and accept the credit commitment above" in draft and "not yet submitted" in draft
    assert _chinese_left(draft) == []
    services.filing_submit(actor=owner, filing=filing, commitment=True)
    submitted = _english(client, url)
    assert "Acceptance number" in submitted and "Withdraw the filing" in submitted and "days left" in submitted
    assert _chinese_left(submitted) == []
    html = _english(client, reverse("talent:researcher_list"))
    assert "Export to Excel" in html and "Contract start" in html and _chinese_left(html) == []
    html = _english(client, reverse("registry:enterprise_detail", args=[centre.enterprise_id]))
    assert "Bank CNAPS code" in html and _chinese_left(html) == []
