"""bf declarations (filled in by its issue)."""
