"""Evaluators for the claims of the flows chapter (see mktlib.claims)."""

from __future__ import annotations
