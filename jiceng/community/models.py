"""Models of community."""
