"""alloc declarations (filled in by its issue)."""
