"""The dates from which the two measures apply, and how far an approval may reach back before the filing's
submission without a stated reason. Both are dated policy parameters, kept with the others by
subsidies (`nx.measure_from`, `yc.measure_from`, `review.backdate_days`; the bureau corrects them on the
parameters page). Registry may not import subsidies (imports run one way), so subsidies hands over its
readers when the apps are ready (subsidies.apps)."""

import datetime as dt
from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

_readers: dict[str, Callable] = {}


def register(*, measure_from: Callable[[str], dt.date], backdate_days: Callable[[dt.date], int]) -> None:
    _readers.update(measure_from=measure_from, backdate_days=backdate_days)


def _reader(name: str) -> Callable:
    try:
        return _readers[name]
    except KeyError:
        raise ImproperlyConfigured("subsidies has not registered the measures' dates (INSTALLED_APPS)") from None


def measure_from(level: str) -> dt.date:
    """Nothing of a level's measure takes effect or earns before this date."""
    return _reader("measure_from")(level)


def backdate_days(day: dt.date) -> int:
    return _reader("backdate_days")(day)
