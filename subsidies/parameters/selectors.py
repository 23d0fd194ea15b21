"""Reads of the policy parameters for the parameters page."""

from subsidies.parameters.forms import PARAMETER_LABELS
from subsidies.parameters.models import ParameterValue
from subsidies.rules.params import DEFAULT_FROM, DEFAULTS


def parameter_timelines(today):
    """Per parameter, its values in date order (the measure's figure first when nothing recorded
    replaces it), each marked past / current / future as of `today`. One query."""
    recorded: dict[str, list] = {name: [] for name in DEFAULTS}
    for pv in ParameterValue.objects.select_related("created_by").order_by("name", "effective_from"):
        recorded.setdefault(pv.name, []).append(pv)
    out = []
    for name, (default, ref) in DEFAULTS.items():
        entries = [
            {
                "value": pv.value,
                "effective_from": pv.effective_from,
                "legal_reference": pv.legal_reference,
                "note": pv.note,
                "set_by": pv.created_by.display_name if pv.created_by else "",
                "set_at": pv.created_at,
                "original": False,
            }
            for pv in recorded.get(name, [])
        ]
        if not entries or entries[0]["effective_from"] > DEFAULT_FROM:
            entries.insert(
                0,
                {
                    "value": default,
                    "effective_from": DEFAULT_FROM,
                    "legal_reference": ref,
                    "note": "",
                    "set_by": "",
                    "set_at": None,
                    "original": True,
                },
            )
        current = None
        for e in entries:
            if e["effective_from"] <= today:
                current = e
        for e in entries:
            e["status"] = "current" if e is current else ("future" if e["effective_from"] > today else "past")
        out.append({"name": name, "label": PARAMETER_LABELS.get(name, name), "entries": entries, "current": current})
    return out
