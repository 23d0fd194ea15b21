"""List pages run a constant number of queries whatever their row count (issue 8 §5): the review queue,
the notifications page and the enterprise dashboard, measured at 3 and at 20 rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry import services
from registry.models import Filing, Notification
from tests.registry.conftest import attach_required


def _add_submitted_filings(count: int, *, owner, enterprise, start: int):
    for i in range(start, start + count):
        centre = services.centre_create(
            actor=owner,
            enterprise=enterprise,
            name=f"测试研发中心{i:02d}",
            city="上海" if i % 2 else "北京",
            division_code="310115" if i % 2 else "110108",
            headcount=i,
        )
        filing = services.filing_create(actor=owner, centre=centre, level="regional")
        attach_required(actor=owner, filing=filing)
        services.filing_submit(actor=owner, filing=filing, commitment=True)


def _queries(client, url) -> tuple[int, str, list[str]]:
    client.get(url)  # warm per-process caches (content types, session)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx), response.content.decode(), [q["sql"][:100] for q in ctx.captured_queries]


@pytest.mark.parametrize(
    "page, who",
    [
        ("registry:review_queue", "reviewer"),
        ("registry:notifications", "owner"),
        ("registry:dashboard", "owner"),
    ],
    ids=["review-queue", "notifications", "enterprise-dashboard"],
)
def test_list_page_queries_do_not_grow_with_rows(client, owner, enterprise, regional1, page, who):
    client.force_login(regional1 if who == "reviewer" else owner)
    url = reverse(page)
    _add_submitted_filings(3, owner=owner, enterprise=enterprise, start=0)
    few, body_few, _sql = _queries(client, url)
    _add_submitted_filings(17, owner=owner, enterprise=enterprise, start=3)
    assert Filing.objects.count() == 20 and Notification.objects.filter(user=owner).count() == 20
    many, body_many, sql = _queries(client, url)
    assert body_many.count("测试研发中心") > body_few.count("测试研发中心") >= 3  # the rows are really there
    assert many == few, sql
