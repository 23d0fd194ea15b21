"""A centre's `filings` list is its filing history (SCENARIOS.md): every approved window is kept and earns
for the days it covers, the same list imported again writes nothing, a contradicting list is refused
naming the centre and the filing, NX-FIRST stays on the first regional filing, and the web path (revoke,
re-file, approve) records the same history as the import."""

import datetime as dt

import pghistory.models
import pytest
from django.apps import apps
from django.urls import reverse

from accounts.errors import ServiceError
from accounts.models import Role
from registry import services as registry
from registry.models import Filing, FilingPeriod
from subsidies.grants import services as grants
from subsidies.models import PayoutLine, RunKind
from subsidies.rules.grants import R_REFILING
from subsidies.runs import services as runs
from subsidies.scenario import ScenarioError, import_scenario
from tests.registry.conftest import attach_required
from tests.subsidies.builders import WL, base_fragment

pytestmark = pytest.mark.django_db

PERSON = {
    "researchers": [
        {
            "id_type": "resident_id",
            "id_number": "110101199003077571",
            "name": "张三",
            "degrees": [{"level": "doctorate", "full_time": True, "awarded_on": "2019-07-01"}],
        }
    ],
    "contracts": [
        {"researcher": "110101199003077571", "centre": "WL-SH", "full_time": True, "start": "2024-03-01", "end": None}
    ],
}
REVOKED = {
    "level": "regional",
    "status": "revoked",
    "effective_from": "2024-03-01",
    "effective_to": "2024-05-31",
    "reason": "研发人员数不再符合备案条件",
}
REFILED = {"level": "regional", "status": "approved", "effective_from": "2024-08-02", "effective_to": None}
YINCHUAN = {"level": "yinchuan", "status": "approved", "effective_from": "2024-01-01", "effective_to": None}


def with_filings(*filings) -> dict:
    fragment = base_fragment()
    fragment["centres"][0]["filings"] = [dict(f) for f in filings]
    return fragment


def windows(level="regional"):
    return list(
        FilingPeriod.objects.filter(filing__centre__ref="WL-SH", filing__level=level)
        .order_by("start")
        .values_list("start", "end", "closed_as", "reason")
    )


def paid_months():
    return sorted(PayoutLine.objects.filter(active=True, rule="NX-STIPEND").values_list("service_period", flat=True))


def snapshot():
    """Every row the import could write: filings, windows and every audit (pghistory) table and context."""
    events = {
        m._meta.label: m.objects.count()
        for m in apps.get_models()
        if issubclass(m, pghistory.models.Event) and not m._meta.proxy
    }
    return (
        sorted(
            Filing.objects.values_list(
                "id",
                "level",
                "status",
                "effective_from",
                "effective_to",
                "status_reason",
                "ever_approved",
                "ever_revoked",
                "updated_at",
            )
        ),
        sorted(FilingPeriod.objects.values_list("id", "filing_id", "start", "end", "closed_as", "reason")),
        events,
        pghistory.models.Context.objects.count(),
    )


def test_revoked_then_refiled_centre_is_paid_both_windows_and_not_the_gap(finance):
    import_scenario(with_filings(REVOKED, YINCHUAN, REFILED))
    import_scenario(PERSON)
    assert windows() == [
        (dt.date(2024, 3, 1), dt.date(2024, 5, 31), "revoked", "研发人员数不再符合备案条件"),
        (dt.date(2024, 8, 2), None, "", ""),
    ]
    filing = Filing.objects.get(centre__ref="WL-SH", level="regional")
    assert (filing.status, filing.effective_from, filing.ever_approved, filing.ever_revoked) == (
        "approved",
        dt.date(2024, 8, 2),
        True,
        True,
    )
    runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2024-10")
    # March to May in the first window; June and July the gap; August not whole (from the 2nd)
    assert paid_months() == ["2024-03", "2024-04", "2024-05", "2024-09", "2024-10"]


def test_a_recorded_window_closed_later_and_the_refiling_added_keep_months_already_paid(finance):
    import_scenario(with_filings(dict(REVOKED, status="approved", effective_to=None, reason=""), YINCHUAN))
    import_scenario(PERSON)
    runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2024-04")
    first = FilingPeriod.objects.get(filing__level="regional")
    import_scenario(with_filings(REVOKED, YINCHUAN, REFILED))
    assert FilingPeriod.objects.get(filing__level="regional", start=dt.date(2024, 3, 1)).pk == first.pk
    runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2024-10")
    assert paid_months() == ["2024-03", "2024-04", "2024-05", "2024-09", "2024-10"]


def test_the_same_history_imported_again_writes_nothing():
    history = with_filings(
        REVOKED,
        YINCHUAN,
        {
            "level": "regional",
            "status": "suspended",
            "effective_from": "2024-08-02",
            "effective_to": "2024-09-30",
            "reason": "材料核查",
        },
        {"level": "regional", "status": "approved", "effective_from": "2024-11-01"},
    )
    import_scenario(history)
    before = snapshot()
    assert len(before[1]) == 4  # three regional windows and the Yinchuan one
    import_scenario(history)
    assert snapshot() == before


@pytest.mark.parametrize(
    "filings,words",
    [
        # the re-filing starts inside the revoked window
        ((REVOKED, dict(REFILED, effective_from="2024-05-15")), ["filings[1]", "filings[0]", "重叠"]),
        # a window approved before its predecessor's
        (
            (
                REVOKED,
                {
                    "level": "regional",
                    "status": "suspended",
                    "effective_from": "2024-01-02",
                    "effective_to": "2024-02-20",
                },
                REFILED,
            ),
            ["filings[1]", "2024-01-02", "不晚于", "filings[0]"],
        ),
        # a filing in force with no end, followed by another of its level
        ((dict(REFILED, effective_from="2024-03-01"), REFILED), ["filings[0]", "长期有效", "其后不能"]),
        # a filing still in review followed by another
        (({"level": "regional", "status": "submitted"}, REFILED), ["filings[0]", "审核中"]),
    ],
)
def test_a_history_that_contradicts_itself_is_refused_naming_centre_and_filing(filings, words):
    import_scenario(with_filings(REVOKED, YINCHUAN, REFILED))
    before = snapshot()
    with pytest.raises(ScenarioError) as exc:
        import_scenario(with_filings(*filings))
    message = str(exc.value)
    assert "WL-SH" in message and "自治区级备案" in message
    for word in words:
        assert word in message
    assert snapshot() == before


def test_a_history_that_leaves_out_a_recorded_window_is_refused():
    import_scenario(with_filings(REVOKED, YINCHUAN, REFILED))
    before = snapshot()
    with pytest.raises(ScenarioError, match=r"WL-SH.*2024-03-01至2024-05-31不在导入的备案历史中"):
        import_scenario(with_filings(YINCHUAN, REFILED))
    assert snapshot() == before


def test_a_revoked_filing_without_end_earns_nothing_but_still_bars_nx_first(finance):
    import_scenario(with_filings(dict(REVOKED, effective_to=None), YINCHUAN, REFILED))
    import_scenario(PERSON)
    assert windows() == [(dt.date(2024, 8, 2), None, "", "")]
    runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2024-10")
    assert paid_months() == ["2024-09", "2024-10"]
    centre = Filing.objects.get(level="regional").centre
    assert R_REFILING in grants.eligibility_problems(grants.programme_get("NX-FIRST"), centre=centre)


def test_nx_first_only_on_the_first_regional_filing():
    import_scenario(with_filings(dict(REVOKED, status="approved", effective_to=None, reason=""), YINCHUAN))
    centre = Filing.objects.get(level="regional").centre
    nx_first = grants.programme_get("NX-FIRST")
    assert grants.eligibility_problems(nx_first, centre=centre) == []  # the first filing: eligible
    import_scenario(with_filings(REVOKED, YINCHUAN, REFILED))
    assert grants.eligibility_problems(nx_first, centre=centre) == [R_REFILING]
    # a suspension and reinstatement is the same filing: NX-FIRST stays open
    other = base_fragment()
    other["enterprises"][0].update(uscc=WL)
    other["centres"][0].update(
        ref="WL-BJ",
        name="威力传动北京研发中心",
        city="北京",
        division_code="110108",
        filings=[
            {
                "level": "regional",
                "status": "suspended",
                "effective_from": "2024-03-01",
                "effective_to": "2024-05-31",
                "reason": "核查",
            },
            {"level": "regional", "status": "approved", "effective_from": "2024-07-01"},
        ],
    )
    import_scenario(other)
    suspended = Filing.objects.get(centre__ref="WL-BJ", level="regional").centre
    assert grants.eligibility_problems(nx_first, centre=suspended) == []


BACKDATED = "按纸质备案补录"  # an approval dated before its submission states why (issue 12 §2)


def test_web_path_and_import_record_the_same_history(make_user, system, owner, centre):
    """Revoke on the web, re-file, approve: the same windows, reasons and ever_revoked as the imported list."""
    reviewer1, reviewer2 = make_user("r1", Role.REGIONAL_REVIEWER), make_user("r2", Role.REGIONAL_REVIEWER)
    filing = registry.filing_create(actor=owner, centre=centre, level="regional")
    attach_required(actor=owner, filing=filing)
    registry.filing_submit(actor=owner, filing=filing, commitment=True)
    registry.filing_first_review(actor=reviewer1, filing=filing)
    registry.filing_approve(
        actor=reviewer2, filing=filing, effective_from=dt.date(2024, 3, 1), backdate_reason=BACKDATED
    )
    registry.filing_revoke(actor=reviewer1, filing=filing, on=dt.date(2024, 6, 1), reason="研发人员数不再符合备案条件")
    filing = registry.filing_create(actor=owner, centre=centre, level="regional")
    registry.filing_submit(actor=owner, filing=filing, commitment=True)
    registry.filing_first_review(actor=reviewer1, filing=filing)
    # a re-filing cannot reopen the revoked window
    with pytest.raises(ServiceError, match="须晚于已记录的有效期间2024-03-01至2024-05-31"):
        registry.filing_approve(
            actor=reviewer2, filing=filing, effective_from=dt.date(2024, 5, 1), backdate_reason=BACKDATED
        )
    registry.filing_approve(
        actor=reviewer2, filing=filing, effective_from=dt.date(2024, 8, 2), backdate_reason=BACKDATED
    )

    import_scenario(with_filings(REVOKED, YINCHUAN, REFILED))
    web = Filing.objects.get(centre=centre, level="regional")
    imported = Filing.objects.get(centre__ref="WL-SH", level="regional")
    shape = lambda f: (
        f.status,
        f.effective_from,
        f.effective_to,
        f.ever_approved,
        f.ever_revoked,  # noqa: E731
        list(f.periods.order_by("start").values_list("start", "end", "closed_as", "reason")),
    )
    assert shape(web) == shape(imported)
    nx_first = grants.programme_get("NX-FIRST")
    assert grants.eligibility_problems(nx_first, centre=centre) == [R_REFILING]

    # the web history, imported as a list, is consistent with it: nothing is written
    before = snapshot()
    registry.filing_history_import(
        actor=system,
        centre=centre,
        level="regional",
        entries=[
            registry_entry("filings[0]", "revoked", "2024-03-01", "2024-05-31", "研发人员数不再符合备案条件"),
            registry_entry("filings[1]", "approved", "2024-08-02", None, ""),
        ],
    )
    assert snapshot() == before


def registry_entry(label, status, start, end, reason):
    from registry.history import Entry

    return Entry(label, status, dt.date.fromisoformat(start), end and dt.date.fromisoformat(end), reason)


def test_yinchuan_history_windows_feed_the_annual_run(finance):
    """YC-RD reads every Yinchuan window: a year covered by an earlier window still earns."""
    fragment = with_filings(
        {"level": "regional", "status": "approved", "effective_from": "2024-03-01"},
        {
            "level": "yinchuan",
            "status": "revoked",
            "effective_from": "2024-01-01",
            "effective_to": "2024-06-30",
            "reason": "撤销",
        },
        {"level": "yinchuan", "status": "approved", "effective_from": "2025-07-01"},
    )
    fragment["rd_declarations"] = [
        {"centre": "WL-SH", "year": 2024, "verified_amount": "1000000.00"},
        {"centre": "WL-SH", "year": 2025, "verified_amount": "2000000.00"},
    ]
    import_scenario(fragment)
    runs.run_payouts(actor=finance, kind=RunKind.ANNUAL, period="2025")
    awards = dict(PayoutLine.objects.filter(rule="YC-RD").values_list("service_period", "amount"))
    assert {k: str(v) for k, v in awards.items()} == {"2024": "150000.00", "2025": "300000.00"}


def test_filing_page_shows_the_windows_with_their_reasons(client, owner, centre, system):
    registry.filing_history_import(
        actor=system,
        centre=centre,
        level="regional",
        entries=[
            registry_entry("filings[0]", "suspended", "2024-03-01", "2024-04-30", "材料核查"),
            registry_entry("filings[1]", "revoked", "2024-06-01", "2024-09-30", "研发人员数不再符合备案条件"),
            registry_entry("filings[2]", "approved", "2025-01-01", None, ""),
        ],
    )
    filing = Filing.objects.get(centre=centre, level="regional")
    client.force_login(owner)
    page = client.get(reverse("registry:filing_detail", args=[filing.pk])).content.decode()
    timeline = page[page.index('class="timeline filing-windows"') :]
    timeline = timeline[: timeline.index("</ol>")]
    items = timeline.split("<li")[1:]
    assert len(items) == 5  # three windows and the two gaps between them
    assert "2024年3月1日" in items[0] and "暂停备案" in items[0] and "材料核查" in items[0]
    assert "2024年5月1日" in items[1] and "不计发" in items[1]
    assert "恢复备案" in items[2] and "撤销备案" in items[2] and "研发人员数不再符合备案条件" in items[2]
    assert "不计发" in items[3]
    assert "重新备案" in items[4] and "现行有效" in items[4] and 'class="current window"' in "<li" + items[4]


def test_which_filings_of_a_history_are_windows():
    from registry.history import Entry, Window, entry_window, next_window_problems

    day = dt.date
    assert entry_window(Entry("f", "revoked", day(2024, 3, 1), day(2024, 5, 31), "撤销")) == Window(
        day(2024, 3, 1), day(2024, 5, 31), "revoked", "撤销"
    )
    assert entry_window(Entry("f", "suspended", day(2024, 3, 1), day(2024, 4, 30))).closed_as == "suspended"
    assert entry_window(Entry("f", "approved", day(2024, 8, 2), None)) == Window(day(2024, 8, 2), None)
    assert entry_window(Entry("f", "revoked", day(2024, 3, 1), None)) is None  # no end: earns nothing
    assert entry_window(Entry("f", "rejected", None, None)) is None
    recorded = [Window(day(2024, 3, 1), day(2024, 5, 31), "revoked")]
    assert next_window_problems(recorded, day(2024, 6, 1)) == []
    assert next_window_problems(recorded, day(2024, 5, 31)) != []
    assert next_window_problems([Window(day(2024, 3, 1), None)], day(2025, 1, 1)) != []
