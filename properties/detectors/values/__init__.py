"""values detectors, one per module."""
