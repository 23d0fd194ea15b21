"""Moved to accounts.cells (one copy, used by every spreadsheet export: finance's and the lists')."""

from accounts.cells import FORMULA_START, neutralise, neutralise_row  # noqa: F401
