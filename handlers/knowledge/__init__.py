"""Data, not code: the local authority profile and the FAQ entries."""
