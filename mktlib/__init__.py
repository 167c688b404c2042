"""mktlib: data handling and statistics for the autumn-2025 crypto dump-and-rebound explainer.

Submodules (import them explicitly; nothing plots or reads data at import time):

- :mod:`mktlib.data`       the pinned snapshot as validated, tz-aware UTC DataFrames
- :mod:`mktlib.calendars`  exchange closes and 24/7 crypto aligned to them
- :mod:`mktlib.claims`     the claims ledger (registry, verdict rules, export)
"""

from mktlib.errors import DataError

__all__ = ["DataError"]
__version__ = "0.1.0"
