"""Evaluators for the claims of the episode chapter (see mktlib.claims)."""

from __future__ import annotations
