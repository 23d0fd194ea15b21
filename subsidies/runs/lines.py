"""A run's payout lines: the rows each rule's facts give (NX-STIPEND per person-month, YC-RD per
centre-year, approved grants), their explanation bases, and their COPY encoding into the database.
Called by the run's state machine (subsidies.runs.services) inside a chunk's transaction."""

import datetime as dt
import hashlib
import io
import json

from django.db import connection
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from subsidies import selectors
from subsidies.models import (
    ExplanationBasis,
    LineKind,
    PayoutLine,
    PayoutRun,
)
from subsidies.parameters.services import parameter_timeline
from subsidies.rules import rd_award, stipend
from subsidies.rules.calendar import month_start, parse_month, parse_year

LINE_COLUMNS = (
    "run_id",
    "rule",
    "kind",
    "researcher_id",
    "centre_id",
    "enterprise_id",
    "beneficiary",
    "beneficiary_name",
    "service_period",
    "service_month",
    "is_arrears",
    "basis",
    "amount",
    "explanation",
    "active",
    "created_at",
    "explanation_basis_id",
)


BASIS_KEYS = ("rule", "tier", "tier_label", "month_rule", "max_months", "contract", "degree", "filing", "parameters")


def stipend_rows(run: PayoutRun, lo: int, hi: int) -> tuple[list[str], dict[str, dict]]:
    """The chunk's NX-STIPEND lines, as COPY text rows (_copy_row's format, built here directly: this is
    the one high-volume producer), and the explanation bases they refer to (digest -> JSON). A line
    keeps its month's own values; what it shares with the person's other months is one basis."""
    through = parse_month(run.period)
    params = parameter_timeline()
    centres = selectors.centre_index()
    who = Q(id__gte=lo, id__lt=hi)
    people = selectors.person_facts(who, centres=centres)
    paid = selectors.paid_stipend_months(who)
    now = timezone.now().isoformat()
    head = f"{run.pk}\t{stipend.RULE}\t{LineKind.REGULAR}\t"
    tail = f"\tt\t{now}\t"
    rows: list[str] = []
    bases: dict[str, dict] = {}
    memo: dict[tuple, tuple[tuple, str]] = {}
    shared_keys: dict[int, tuple[object, str]] = {}
    places: dict[int, str] = {}  # centre id -> "centre<TAB>enterprise<TAB>"

    def key_of(value) -> str:  # objects shared between people (filing windows, parameter lists)
        hit = shared_keys.get(id(value))
        if hit is None or hit[0] is not value:
            hit = shared_keys[id(value)] = (value, repr(value))
        return hit[1]

    empty = range(0)
    for rid, person in people.items():
        outcome = stipend.stipend_due(person, through=through, paid=paid.get(rid, empty), params=params)
        if not outcome.months:
            continue
        person_head = f"{head}{rid}\t"
        beneficiary = f"{_copy_text(person.id_number)}\t{_copy_text(person.name)}\t"
        for m in outcome.months:
            place = places.get(m.centre_id)
            if place is None:
                place = places[m.centre_id] = f"{m.centre_id}\t{centres[m.centre_id][2]}\t"
            arrears = m.month < through
            e = m.explanation
            shared = tuple(e[k] for k in BASIS_KEYS[5:])
            key = tuple(map(id, shared)) + (e["tier"],)
            hit = memo.get(key)  # the memo holds the objects, so their ids stay theirs
            if hit is None:
                # content address: every input of the basis, in the rule's fixed order; the JSON body is
                # only built for a basis not stored yet (insert_bases)
                canonical = "|".join(
                    (
                        e["tier"],
                        e["month_rule"],
                        str(e["max_months"]),
                        repr(e["contract"]),
                        repr(e["degree"]),
                        key_of(e["filing"]),
                        key_of(e["parameters"]),
                    )
                )
                digest = hashlib.sha1(canonical.encode()).hexdigest()
                bases[digest] = e
                hit = memo[key] = (shared, digest)
            label = e["service_month"]
            flag = "t" if arrears else "f"
            # the line's own values: labels and numbers only, so no character needs escaping
            own = (
                f'{{"service_month":"{label}","covered_days":{e["covered_days"]},'
                f'"days_in_month":{e["days_in_month"]},"months_used_before":{e["months_used_before"]},'
                f'"months_used_after":{e["months_used_after"]},"arrears":{"true" if arrears else "false"},'
                f'"run_period":"{run.period}"}}'
            )
            rows.append(
                f"{person_head}{place}{beneficiary}{label}\t{label}-01\t{flag}\t\t{m.amount}\t{own}{tail}{hit[1]}\n"
            )
    return rows, bases


def insert_bases(bases: dict[str, dict]) -> None:
    """Explanation bases are content-addressed: one already stored (by an earlier run) is skipped, and
    only new ones are encoded and copied in. A basis names its contract and degree, so only the chunk
    that computes that person can write it (chunks are disjoint, and one run of a kind computes at a
    time); were it ever written twice, the primary key aborts the chunk rather than pass silently."""
    if not bases:
        return
    table = ExplanationBasis._meta.db_table
    with connection.cursor() as cur:  # in a steady month nearly every basis is already stored
        cur.execute(f"SELECT digest FROM {table} WHERE digest = ANY(%s)", [list(bases)])
        known = {row[0] for row in cur.fetchall()}
    to_json = _ExplanationWriter()
    now = timezone.now().isoformat()
    new = [
        f"{d}\t{_copy_text(to_json({k: e[k] for k in BASIS_KEYS}))}\t{now}\n"
        for d, e in bases.items()
        if d not in known
    ]
    if not new:
        return
    with connection.cursor() as cur:
        cur.cursor.copy_expert(f"COPY {table} (digest, body, created_at) FROM STDIN", io.StringIO("".join(new)))


def rd_rows(run: PayoutRun) -> list[tuple]:
    from registry.models import Enterprise

    year = parse_year(run.period)
    params = parameter_timeline()
    centres = selectors.centre_index()
    filings = selectors.yinchuan_filings_by_centre()
    declarations = selectors.declarations_through(year)
    paid = selectors.rd_paid({d.year for d in declarations})
    enterprises = {pk: (uscc, name) for pk, uscc, name in Enterprise.objects.values_list("id", "uscc", "name")}
    now = timezone.now()
    rows = []
    for d in declarations:
        paid_total, bases = paid.get((d.centre_id, str(d.year)), (None, set()))
        result = rd_award.rd_due(d, filings.get(d.centre_id), paid_total=paid_total, params=params)
        if result.kind == "none":
            continue
        basis = "" if result.kind == "regular" else f"rev{d.revision}"
        if basis in bases:
            continue
        _ref, _kind, enterprise_id = centres[d.centre_id]
        explanation = dict(result.explanation, arrears=d.year < year, run_period=run.period)
        uscc, name = enterprises[enterprise_id]
        rows.append(
            _copy_row(
                (
                    run.pk,
                    rd_award.RULE,
                    result.kind,
                    None,
                    d.centre_id,
                    enterprise_id,
                    uscc,
                    name,
                    str(d.year),
                    None,
                    d.year < year,
                    basis,
                    result.amount,
                    explanation,
                    True,
                    now,
                    None,
                )
            )
        )
    return rows


def grant_rows(run: PayoutRun) -> list[tuple]:
    """One line per approved award (POLICY §2 one-time and evaluated grants) decided by the end of the
    run's month, approved by a second person after its 初审 (never one person alone) and not yet
    paid; `basis` = "award:<id>" with the line_award_paid_once constraint pays each award once. Per-person
    awards (NX-PDF, NX-AWARD) name the researcher's ID number."""
    from subsidies.grants.services import passed_both_steps
    from subsidies.models import GrantApplication

    index = parse_month(run.period)
    until = timezone.make_aware(dt.datetime.combine(month_start(index + 1), dt.time.min))
    paid = PayoutLine.objects.filter(
        rule=OuterRef("programme__code"),
        basis=Concat(Value("award:"), Cast(OuterRef("pk"), output_field=CharField())),
        active=True,
    )
    awards = (
        passed_both_steps(GrantApplication.objects.filter(status="approved", decided_at__lt=until))
        .exclude(Exists(paid))
        .select_related("programme", "centre", "enterprise", "researcher", "incubator")
        .prefetch_related("decisions__actor")
        .order_by("decided_at", "id")
    )
    now = timezone.now()
    rows = []
    for a in awards:
        p = a.programme
        decided = timezone.localtime(a.decided_at).date()
        period = a.evaluation_period[-4:] if a.evaluation_period else str(a.year or decided.year)
        if a.researcher_id:
            beneficiary, name = a.researcher.id_number, a.researcher.name
        else:
            beneficiary, name = a.enterprise.uscc, a.enterprise.name
        explanation = {
            "rule": p.code,
            "programme": p.name,
            "legal_reference": p.legal_reference,
            "application_id": a.pk,
            "origin": a.origin,
            "amount_type": p.amount_type,
            "amount": str(a.approved_amount),
            "centre": {"id": a.centre_id, "ref": a.centre.ref, "name": a.centre.name, "kind": a.centre.kind}
            if a.centre_id
            else None,
            "incubator": {"id": a.incubator_id, "ref": a.incubator.ref, "name": a.incubator.name}
            if a.incubator_id
            else None,
            "researcher": {"id": a.researcher_id, "name": a.researcher.name} if a.researcher_id else None,
            "evaluation_period": a.evaluation_period or None,
            "year": a.year,
            "award_programme": a.award_programme,
            "approvals": [
                {
                    "step": d.step,
                    "decision": d.decision,
                    "by": d.actor.display_name,
                    "at": timezone.localtime(d.at).isoformat(timespec="seconds"),
                    "comment": d.comment,
                    "amount": str(d.amount) if d.amount is not None else None,
                }
                for d in a.decisions.all()
            ],
            "decided_on": decided.isoformat(),
            "run_period": run.period,
        }
        rows.append(
            _copy_row(
                (
                    run.pk,
                    p.code,
                    LineKind.REGULAR,
                    a.researcher_id,
                    a.centre_id,
                    a.enterprise_id,
                    beneficiary,
                    name,
                    period,
                    None,
                    False,
                    f"award:{a.pk}",
                    a.approved_amount,
                    explanation,
                    True,
                    now,
                    None,
                )
            )
        )
    return rows


class _ExplanationWriter:
    """JSON for line explanations. The nested objects (contract, degree, filing, parameters) are
    shared between a person's months, so each is encoded once and spliced in."""

    def __init__(self):
        self.memo: dict[int, tuple[object, str]] = {}
        self.encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

    def nested(self, value) -> str:
        hit = self.memo.get(id(value))
        if hit is None or hit[0] is not value:
            hit = self.memo[id(value)] = (value, self.encode(value))
        return hit[1]

    def __call__(self, explanation: dict) -> str:
        return (
            "{"
            + ",".join(
                f'"{k}":' + (self.nested(v) if isinstance(v, dict | list) else self.encode(v))
                for k, v in explanation.items()
            )
            + "}"
        )


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: str) -> str:
    """A value for COPY's text format: backslash, tab and line breaks escaped (the scan for them is
    fast; translating every character is not)."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_COPY_ESCAPES)
    return value


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _copy_row(values: tuple) -> str:
    """One row of LINE_COLUMNS in COPY's text format (NULL as \\N, booleans t/f, dicts as JSON)."""
    out = []
    for v in values:
        if v is None:
            out.append("\\N")
        elif v is True or v is False:
            out.append("t" if v else "f")
        elif isinstance(v, dict):
            out.append(_copy_text(_JSON(v)))
        elif isinstance(v, dt.datetime):
            out.append(v.isoformat())
        else:
            out.append(_copy_text(str(v)))
    return "\t".join(out) + "\n"


def insert_lines(rows: list[str]) -> int:
    """COPY the encoded rows straight into the lines table. The chunk holds its row lock and read the
    paid months in this transaction, and only one run of a kind computes at a time, so a conflict here
    means a bug: the unique constraints then abort the chunk loudly rather than pay twice."""
    if not rows:
        return 0
    buf = io.StringIO("".join(rows))
    with connection.cursor() as cur:
        cur.cursor.copy_expert(f"COPY {PayoutLine._meta.db_table} ({', '.join(LINE_COLUMNS)}) FROM STDIN", buf)
    return len(rows)
