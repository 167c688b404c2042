"""Claim evaluators, one module per chapter.

Each module registers, with :func:`mktlib.claims.evaluator`, the functions that compute a claim's
pre-registered measures from the data and apply the verdict rule stated beside them. The analytics
live in the topical modules (``mktlib.leverage``, ``mktlib.funding``, ``mktlib.correlation``, ...);
these modules only pick the numbers the claims brief asks for and compare them with the rule.
"""
