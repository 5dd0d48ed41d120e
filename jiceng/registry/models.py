"""Models of registry."""
