"""This project's Slither detectors (ST-1 … ST-13), packaged as a Slither plugin."""

from __future__ import annotations

from typing import Any


def make_plugin() -> tuple[list[Any], list[Any]]:
    """Slither's ``slither_analyzer.plugin`` entry point: (detector classes, printer classes)."""
    return [], []
