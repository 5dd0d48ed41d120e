"""Framework-free helpers: address codes, identity checksums, coordinates, working-day calendar."""
