"""Exceptions raised by mktlib."""

from __future__ import annotations


class DataError(Exception):
    """A data file is missing, corrupt or not what the catalog says it is.

    The message always names the file (or dataset id) and the problem, e.g.::

        DataError: crypto_spot/x.csv: sha256 mismatch (expected 1a2b..., got 9f8e...)
    """

    def __init__(self, where: str, problem: str):
        self.where = str(where)
        self.problem = problem
        super().__init__(f"{self.where}: {problem}")
