"""Models of command."""
