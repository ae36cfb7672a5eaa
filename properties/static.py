"""static declarations (filled in by its issue)."""
