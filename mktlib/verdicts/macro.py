"""Evaluators for the claims of the macro chapter (see mktlib.claims)."""

from __future__ import annotations
