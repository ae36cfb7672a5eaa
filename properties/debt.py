"""debt declarations (filled in by its issue)."""
