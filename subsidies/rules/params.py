"""Dated policy parameters as a pure timeline (POLICY *(param)*, SCENARIOS.md names)."""

import bisect
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

# name -> (default, legal reference). Defaults are the measures' own figures.
DEFAULTS: dict[str, tuple[str, str]] = {
    "nx_stipend.doctorate_monthly": (
        "5000.00",
        "《宁夏回族自治区企业飞地研发中心建设支持暂行办法》:全日制博士每月5000元",
    ),
    "nx_stipend.master_monthly": (
        "3000.00",
        "《宁夏回族自治区企业飞地研发中心建设支持暂行办法》:重点院校重点学科硕士每月3000元",
    ),
    "nx_stipend.max_months": ("60", "《宁夏回族自治区企业飞地研发中心建设支持暂行办法》:补助可持续5年"),
    "nx_stipend.min_contract_years": ("5", "《宁夏回族自治区企业飞地研发中心建设支持暂行办法》:签订5年以上聘用合同"),
    "nx_stipend.month_rule": ("whole_month", "平台口径:按整月计发"),
    "yc_rd.rate": ("0.15", "《银川市飞地研发中心和飞地孵化器备案支持办法》:按当年研发费用总投入的15%"),
    "yc_rd.cap": ("1000000.00", "《银川市飞地研发中心和飞地孵化器备案支持办法》:最高不超过100万元"),
    # the dates from which each measure applies: nothing earns before them, and no filing takes effect
    # before them. A measure's date is a fact, not a figure that changes over time: the
    # value recorded last (latest effective_from) is the one in force, for every period.
    "nx.measure_from": (
        "2023-06-01",
        "《宁夏回族自治区企业飞地研发中心建设支持暂行办法》(2023年):平台按其2023年6月"
        "公开发布读作自2023-06-01起适用;以自治区科技厅公布的"
        "施行日期为准,可在本页更正",
    ),
    "yc.measure_from": (
        "2023-01-01",
        "《银川市飞地研发中心和飞地孵化器备案支持办法》:平台读作与自治区办法同年出台、自"
        "2023年度起适用(YC-RD按自然年度计,2023年度为首个年度);以银川市科技局公布的施行日期为准,可在本页更正",
    ),
    # objections: the answer is due within this many working days of the objection
    "objection.answer_working_days": (
        "15",
        "平台口径:异议申诉自提出之日起15个工作日内答复(工作日按国务院办公厅"
        "节假日安排通知扣除法定节假日、计入调休上班日)",
    ),
    "review.backdate_days": (
        "0",
        "平台口径:复审确定的备案生效日期早于企业提交日期超过此天数的,须填写追溯理由,"
        "理由记入审核记录;默认0天,即以提交日期为界",
    ),
    # finance lists transfers the bank paid that the enterprise has not confirmed after this many days
    "transfers.receipt_confirm_days": (
        "15",
        "平台口径:银行回单显示到账后,企业超过此天数仍未确认回执的,列入财务催办清单",
    ),
    # NX-PERF: the annual report's deadline (MM-DD of the following year) and the 优秀 rule
    "nx_perf.report_deadline": ("03-31", "平台口径:年度绩效报告于次年3月31日前报送,逾期须经审核人员同意延期"),
    "nx_perf.excellent_score": ("90.00", "平台口径:综合得分不低于此分数方可评为优秀;0表示不设分数线"),
    "nx_perf.excellent_share": ("0.30", "平台口径:优秀不超过参评中心的此比例(按排名);0表示不设比例"),
    "nx_perf.pass_score": ("60.00", "平台口径:综合得分不低于此分数为合格,低于为不合格"),
}
MONTH_RULES = ("whole_month", "daily_prorata")
DEFAULT_FROM = dt.date(2023, 1, 1)
MEASURE_PARAM = {"regional": "nx.measure_from", "yinchuan": "yc.measure_from"}
# a measure's date must lie within these (the measures are of 2023; a correction moves it by months, not decades)
MEASURE_DATE_BOUNDS = (dt.date(2015, 1, 1), dt.date(2099, 12, 31))
MAX_BACKDATE_DAYS = 3660


def validate_value(name: str, value: str) -> str:
    """Normalise a parameter value or raise ValueError naming the parameter and the problem."""
    if name not in DEFAULTS:
        raise ValueError(f"未知参数“{name}” / unknown parameter")
    text = str(value).strip()
    if name in MEASURE_PARAM.values():
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"参数{name}为日期,格式应为YYYY-MM-DD,收到“{text}” / must be a date") from None
        lo, hi = MEASURE_DATE_BOUNDS
        if not lo <= day <= hi:
            raise ValueError(f"参数{name}应在{lo}至{hi}之间,收到“{text}” / date out of range")
        return day.isoformat()
    if name == "nx_perf.report_deadline":
        try:
            dt.date.fromisoformat(f"2023-{text}")  # MM-DD, a day of a non-leap year
        except ValueError:
            raise ValueError(f"参数{name}为月-日,格式应为MM-DD(如03-31),收到“{text}” / must be MM-DD") from None
        return text
    if name == "nx_stipend.month_rule":
        if text not in MONTH_RULES:
            raise ValueError(f"参数{name}只能取 {' / '.join(MONTH_RULES)},收到“{text}”")
        return text
    try:
        number = Decimal(text)
    except Exception:
        raise ValueError(f"参数{name}的值“{text}”不是数字 / not a number") from None
    if not number.is_finite() or number < 0:
        raise ValueError(f"参数{name}的值“{text}”不能为负数 / must not be negative")
    if name == "review.backdate_days":
        if number != number.to_integral_value() or number > MAX_BACKDATE_DAYS:
            raise ValueError(f"参数{name}应为0至{MAX_BACKDATE_DAYS}之间的整数(天),收到“{text}”")
        return str(int(number))
    if name.endswith(("max_months", "min_contract_years", "receipt_confirm_days", "answer_working_days")):
        if number != number.to_integral_value() or number < 1:
            raise ValueError(f"参数{name}应为正整数,收到“{text}”")
        return str(int(number))
    if name in ("nx_perf.excellent_score", "nx_perf.pass_score") and number > 100:
        raise ValueError(f"参数{name}为分数,应在0到100之间,收到“{text}” / a score from 0 to 100")
    if name in ("yc_rd.rate", "nx_perf.excellent_share"):
        if number > 1:
            raise ValueError(f"参数{name}为比例,应在0到1之间,收到“{text}”")
        return str(number)
    if number != number.quantize(Decimal("0.01")):  # an amount in yuan: refused, never rounded here
        raise ValueError(f"参数{name}为金额,最多两位小数(到分),收到“{text}” / at most two decimal places")
    return f"{number:.2f}"


@dataclass(frozen=True)
class ParamValue:
    name: str
    value: str
    effective_from: dt.date
    legal_reference: str
    id: int | None = None

    def explain(self) -> dict:
        return {
            "name": self.name,
            "value": self.value,
            "effective_from": self.effective_from.isoformat(),
            "legal_reference": self.legal_reference,
            "id": self.id,
        }


@dataclass(frozen=True)
class MonthContext:
    """Everything about a service month that does not depend on the person: its days and the
    parameter values in force on its first day. Built once per month per run."""

    index: int
    first: dt.date
    last: dt.date
    days: int
    label: str
    min_years: ParamValue
    max_months: ParamValue
    month_rule: ParamValue
    rates: dict  # tier -> ParamValue
    min_years_int: int
    max_months_int: int
    whole_month: bool
    _explained: dict = field(default_factory=dict, compare=False, repr=False)

    def explain_parameters(self, tier: str) -> list[dict]:
        """The parameter values a month's payment used. `_explained` is shared by all months of a
        timeline, so months with the same values share one list (and one explanation basis)."""
        mine = self.__dict__.get("_by_tier")
        if mine is None:
            mine = {}
            object.__setattr__(self, "_by_tier", mine)
        out = mine.get(tier)
        if out is None:
            values = (self.rates[tier], self.max_months, self.min_years, self.month_rule)
            out = self._explained.get(values)
            if out is None:
                out = self._explained[values] = [v.explain() for v in values]
            mine[tier] = out
        return out

    def full_amount(self, tier: str) -> Decimal:
        """The tier's whole-month amount, rounded once per month context."""
        amounts = self.__dict__.get("_amounts")
        if amounts is None:
            amounts = {}
            object.__setattr__(self, "_amounts", amounts)
        amount = amounts.get(tier)
        if amount is None:
            from subsidies.money import quantize

            amount = amounts[tier] = quantize(self.rates[tier].value)
        return amount


@dataclass(frozen=True)
class ParamTimeline:
    """All values of all parameters; `at(name, day)` is the value in force on that day."""

    values: tuple[ParamValue, ...] = ()
    _index: dict = field(default_factory=dict, compare=False, repr=False)
    _months: dict = field(default_factory=dict, compare=False, repr=False)
    _explained: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        by_name: dict[str, list[ParamValue]] = {}
        for v in sorted(self.values, key=lambda v: (v.name, v.effective_from)):
            by_name.setdefault(v.name, []).append(v)
        for name, (default, ref) in DEFAULTS.items():
            values = by_name.setdefault(name, [])
            if not values or values[0].effective_from > DEFAULT_FROM:
                # until a recorded value takes over, the measure's own figure applies
                values.insert(0, ParamValue(name, default, DEFAULT_FROM, ref))
        self._index.update({n: ([v.effective_from for v in vs], vs) for n, vs in by_name.items()})

    def at(self, name: str, day: dt.date) -> ParamValue:
        dates, values = self._index[name]
        i = bisect.bisect_right(dates, day) - 1
        return values[max(i, 0)]  # before the first recorded value, the measure's original figure

    def month(self, index: int) -> MonthContext:
        ctx = self._months.get(index)
        if ctx is None:
            from subsidies.rules.calendar import days_in_month, month_end, month_label, month_start

            first = month_start(index)
            min_years, max_months, rule = (
                self.at("nx_stipend.min_contract_years", first),
                self.at("nx_stipend.max_months", first),
                self.at("nx_stipend.month_rule", first),
            )
            ctx = self._months[index] = MonthContext(
                index=index,
                first=first,
                last=month_end(index),
                days=days_in_month(index),
                label=month_label(index),
                min_years=min_years,
                max_months=max_months,
                month_rule=rule,
                rates={
                    "doctorate": self.at("nx_stipend.doctorate_monthly", first),
                    "master": self.at("nx_stipend.master_monthly", first),
                },
                min_years_int=int(min_years.value),
                max_months_int=int(max_months.value),
                whole_month=rule.value == "whole_month",
                _explained=self._explained,
            )
        return ctx

    def measure_from(self, level: str) -> dt.date:
        """The date from which the measure of a filing level ("regional", "yinchuan") applies: the value
        recorded last (a correction of the date holds for every period, past ones included)."""
        cached = self._months.get(("measure", level))
        if cached is None:
            cached = self._months[("measure", level)] = dt.date.fromisoformat(
                self._index[MEASURE_PARAM[level]][1][-1].value
            )
        return cached

    def decimal(self, name: str, day: dt.date) -> Decimal:
        return Decimal(self.at(name, day).value)

    def integer(self, name: str, day: dt.date) -> int:
        return int(self.at(name, day).value)
