"""calls detectors, one per module."""
