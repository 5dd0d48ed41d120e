"""Models of open311."""
