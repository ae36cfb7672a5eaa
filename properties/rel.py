"""rel declarations (filled in by its issue)."""
