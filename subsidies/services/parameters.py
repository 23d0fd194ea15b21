"""The policy parameters' services moved to subsidies.parameters.services; this name stays for the two modules
under parallel change that still import it (subsidies/grants/services.py, subsidies/declarations/services.py)."""

from subsidies.parameters.services import backdate_days, measure_from, parameter_set, parameter_timeline

__all__ = ["backdate_days", "measure_from", "parameter_set", "parameter_timeline"]
