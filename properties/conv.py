"""conv declarations (filled in by its issue)."""
