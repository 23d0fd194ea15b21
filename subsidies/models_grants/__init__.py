"""Transition shim: this module now lives at subsidies.grants.models; importing the old path gives that very module.

Kept only while branches started before the move still import the old path; delete after they are
merged. A package rather than the old file, so that git's rename detection still carries their edits
of the old file to its new home."""

import sys

from subsidies.grants import models as _moved

sys.modules[__name__] = _moved
