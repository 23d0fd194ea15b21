"""Why / why not in the API, the same words as the pages (the answers' own properties):

benefits/{centre}/yc-rd-years/           each YC-RD year of the centre: paid (lines), due, not yet due, not payable
benefits/{centre}/eligibility/           each programme's conditions for the centre, held or not
grant-applications/{id}/eligibility/     whether the application's applicant meets the programme's conditions
payout-lines/{id}/letter/                the line's decision letter (inputs, conditions, parameters, amount)

The viewsets that own these routes call the functions here; their objects come from actor-scoped selectors,
so another enterprise's centre, application or line is a 404."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from accounts.errors import ServiceError
from subsidies.explain import centre_selectors
from subsidies.explain.letter import line_letter_body
from subsidies.explain.months import STATUS_LABEL
from subsidies.models import Programme


class ConditionSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField(help_text="未满足的条件(含具体事实)")
    remedy = serializers.CharField(allow_blank=True, help_text="补正后可发放的办法;空为无法补正")


class RDLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount = serializers.CharField()
    run_period = serializers.CharField()
    is_arrears = serializers.BooleanField()


class RDYearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    status = serializers.ChoiceField(choices=list(STATUS_LABEL.items()))
    status_display = serializers.CharField()
    summary = serializers.CharField()
    amount = serializers.CharField(allow_null=True)
    lines = RDLineSerializer(many=True)
    conditions = ConditionSerializer(many=True)
    arrears = serializers.BooleanField()
    if_remedied = serializers.CharField(allow_blank=True)


class RDYearsSerializer(serializers.Serializer):
    centre = serializers.IntegerField()
    years = RDYearSerializer(many=True)


class CheckSerializer(serializers.Serializer):
    code = serializers.CharField()
    condition = serializers.CharField(help_text="条件")
    held = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True, help_text="不符合时规则给出的原因")
    remedy = serializers.CharField(allow_blank=True)


class EligibilitySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="项目代码")
    programme = serializers.CharField()
    subject = serializers.CharField()
    eligible = serializers.BooleanField()
    status_display = serializers.CharField()
    summary = serializers.CharField()
    no_application = serializers.CharField(allow_blank=True, help_text="无需申报的项目:如何核定")
    checks = CheckSerializer(many=True)
    if_remedied = serializers.CharField(allow_blank=True)


class CentreEligibilitySerializer(serializers.Serializer):
    centre = serializers.IntegerField()
    programmes = EligibilitySerializer(many=True)


class LetterItemSerializer(serializers.Serializer):
    text = serializers.CharField()
    held = serializers.BooleanField(allow_null=True, help_text="条件是否满足;记录与金额为空")
    mark = serializers.CharField(allow_blank=True)


class LetterSectionSerializer(serializers.Serializer):
    title = serializers.CharField()
    items = LetterItemSerializer(many=True)


class LineLetterSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    rule = serializers.CharField()
    service_period = serializers.CharField()
    amount = serializers.CharField()
    sections = LetterSectionSerializer(many=True)


YEAR_PARAMETER = OpenApiParameter(
    "year", OpenApiTypes.STR, description="YYYY(不填为全部年度)", pattern=r"^([1-9][0-9]{3})?$"
)


def answer_body(a, **own) -> dict:
    """What a month's and a YC-RD year's answers (AnswerWords) share in the API: status, summary, amount,
    conditions, remedy; `own` are the answer's own keys, after the amount."""
    return {
        "status": a.status,
        "status_display": a.status_label,
        "summary": a.summary,
        "amount": str(a.amount) if a.amount is not None else None,
        **own,
        "arrears": a.arrears,
        "conditions": [{"code": c.code, "text": c.text, "remedy": c.remedy} for c in a.conditions],
        "if_remedied": a.if_remedied,
    }


def year_body(a) -> dict:
    lines = [
        {"id": ln.id, "amount": str(ln.amount), "run_period": ln.run_period, "is_arrears": ln.is_arrears}
        for ln in a.lines
    ]
    return {"year": a.year, **answer_body(a, lines=lines)}


def eligibility_body(e) -> dict:
    return {
        "code": e.code,
        "programme": e.programme,
        "subject": e.subject,
        "eligible": e.eligible,
        "status_display": e.status_label,
        "summary": e.summary,
        "no_application": e.no_application,
        "checks": [
            {"code": c.code, "condition": c.condition, "held": c.held, "reason": c.reason, "remedy": c.remedy}
            for c in e.checks
        ],
        "if_remedied": e.if_remedied,
    }


def _year(text: str):
    """A calendar year YYYY (the rule answers for any: a year before the measure names that reason)."""
    text = (text or "").strip()
    if not text:
        return None
    if not (text.isdigit() and len(text) == 4 and text[0] != "0"):
        raise ServiceError(f"年度“{text}”无效:应为四位年份(如 2024)", "year must be YYYY", code="invalid", field="year")
    return [int(text)]


def rd_years_response(centre, query_params) -> dict:
    years = centre_selectors.rd_years(centre=centre, years=_year(query_params.get("year")))
    return RDYearsSerializer({"centre": centre.pk, "years": [year_body(a) for a in years]}).data


def centre_eligibility_response(centre, query_params) -> dict:
    code = (query_params.get("programme") or "").strip()
    # a code that names no programme answers with none (a filter, as on the lists)
    programmes = list(Programme.objects.filter(code=code)) if code else None
    answers = centre_selectors.centre_eligibility(centre=centre, programmes=programmes)
    return CentreEligibilitySerializer({"centre": centre.pk, "programmes": [eligibility_body(e) for e in answers]}).data


def application_eligibility_response(app) -> dict:
    return EligibilitySerializer(eligibility_body(centre_selectors.application_eligibility(app))).data


def line_letter_response(line) -> dict:
    return LineLetterSerializer(line_letter_body(line)).data
