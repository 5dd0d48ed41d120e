"""Models of sensing."""
