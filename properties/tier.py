"""tier declarations (filled in by its issue)."""
