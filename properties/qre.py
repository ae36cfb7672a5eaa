"""qre declarations (filled in by its issue)."""
