"""Evaluators for the claims of the leverage chapter (see mktlib.claims)."""

from __future__ import annotations
