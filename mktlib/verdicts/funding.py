"""Evaluators for the claims of the funding chapter (see mktlib.claims)."""

from __future__ import annotations
