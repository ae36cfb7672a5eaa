"""loops detectors, one per module."""
