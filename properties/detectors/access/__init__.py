"""access detectors, one per module."""
