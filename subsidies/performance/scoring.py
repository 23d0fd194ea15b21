"""The three-yearly evaluation's arithmetic, pure: no ORM, no settings, no clock.

A centre's score on an indicator is the mean of its scorers' scores; the weighted score is
Σ mean / max_score × weight over the scheme's indicators (weights sum to 100), rounded half-up to 0.01
by subsidies.money.quantize (the one rounding place). Ranks are competition ranks (equal scores share a
rank). 优秀 (NX-PERF, POLICY §2) needs the score threshold and the top share when both are set (a value of
0 switches that condition off); otherwise 合格 at or above the pass score, else 不合格."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from subsidies.money import quantize

WEIGHT_TOTAL = Decimal(100)


@dataclass(frozen=True)
class IndicatorFact:
    code: str
    weight: Decimal
    max_score: Decimal


@dataclass(frozen=True)
class ExcellentRule:
    threshold: Decimal  # 0: no threshold
    share: Decimal  # 0: no top-share limit
    pass_score: Decimal

    def explain(self) -> dict:
        return {
            "excellent_score": str(self.threshold),
            "excellent_share": str(self.share),
            "pass_score": str(self.pass_score),
        }


@dataclass(frozen=True)
class CentreOutcome:
    centre_id: int
    score: Decimal
    rank: int
    result: str
    by_indicator: tuple[dict, ...]


def scheme_problems(indicators: Sequence[IndicatorFact]) -> list[str]:
    """A scheme can be used when it has indicators whose weights sum to exactly 100."""
    if not indicators:
        return ["指标体系没有指标"]
    total = sum((i.weight for i in indicators), Decimal(0))
    if total != WEIGHT_TOTAL:
        return [f"各指标权重之和应为100,当前为{total}"]
    return []


def score_problem(indicator: IndicatorFact, score: Decimal) -> str | None:
    """A score outside 0 … the indicator's maximum is refused, never clipped."""
    if not score.is_finite() or score < 0 or score > indicator.max_score:
        return f"指标{indicator.code}的得分应在0至{indicator.max_score}之间,收到{score}"
    if score != score.quantize(Decimal("0.01")):
        return f"指标{indicator.code}的得分最多两位小数,收到{score}"
    return None


def indicator_means(scores: Iterable[tuple[str, Decimal]]) -> dict[str, Decimal]:
    """(indicator code, score) pairs of all scorers → the unrounded mean per indicator."""
    sums: dict[str, list] = {}
    for code, value in scores:
        acc = sums.setdefault(code, [Decimal(0), 0])
        acc[0] += value
        acc[1] += 1
    return {code: total / count for code, (total, count) in sums.items()}


def weighted_score(indicators: Sequence[IndicatorFact], means: Mapping[str, Decimal]) -> tuple[Decimal, tuple]:
    """The weighted score (0-100) and each indicator's part; an indicator nobody scored counts 0."""
    total = Decimal(0)
    parts = []
    for ind in indicators:
        mean = means.get(ind.code)
        part = (mean / ind.max_score * ind.weight) if mean is not None else Decimal(0)
        total += part
        parts.append(
            {
                "code": ind.code,
                "mean": str(quantize(mean)) if mean is not None else None,
                "max_score": str(ind.max_score),
                "weight": str(ind.weight),
                "weighted": str(quantize(part)),
            }
        )
    return quantize(total), tuple(parts)


def competition_ranks(scores: Mapping[int, Decimal]) -> dict[int, int]:
    """1, 2, 2, 4: equal scores share a rank; ties are ordered by centre id only for a stable listing."""
    ordered = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    ranks: dict[int, int] = {}
    for position, (centre_id, score) in enumerate(ordered, start=1):
        if position > 1 and score == ordered[position - 2][1]:
            ranks[centre_id] = ranks[ordered[position - 2][0]]
        else:
            ranks[centre_id] = position
    return ranks


def classify(score: Decimal, rank: int, count: int, rule: ExcellentRule) -> str:
    """excellent | pass | fail (subsidies.EvaluationResult values)."""
    top = math.floor(rule.share * count) if rule.share > 0 else count
    excellent = (rule.threshold <= 0 or score >= rule.threshold) and rank <= top
    if (rule.threshold > 0 or rule.share > 0) and excellent:
        return "excellent"
    return "pass" if score >= rule.pass_score else "fail"


def evaluate(
    indicators: Sequence[IndicatorFact],
    scores_by_centre: Mapping[int, Iterable[tuple[str, Decimal]]],
    rule: ExcellentRule,
) -> list[CentreOutcome]:
    """Every centre's weighted score, rank and result, best first."""
    computed = {cid: weighted_score(indicators, indicator_means(pairs)) for cid, pairs in scores_by_centre.items()}
    ranks = competition_ranks({cid: s for cid, (s, _parts) in computed.items()})
    n = len(computed)
    out = [
        CentreOutcome(cid, s, ranks[cid], classify(s, ranks[cid], n, rule), parts)
        for cid, (s, parts) in computed.items()
    ]
    return sorted(out, key=lambda o: (o.rank, o.centre_id))
