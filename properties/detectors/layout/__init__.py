"""layout detectors, one per module."""
