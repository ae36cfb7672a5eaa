"""liq declarations (filled in by its issue)."""
