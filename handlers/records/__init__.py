"""A child's record over its whole life: retention and erasure, subject access."""
