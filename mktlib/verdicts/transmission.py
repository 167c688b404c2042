"""Evaluators for the claims of the transmission chapter (see mktlib.claims)."""

from __future__ import annotations
