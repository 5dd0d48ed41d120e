"""Models of mediation."""
