"""Benchmarks: ``make bench`` runs every ``bench/bench_*.py`` module's ``run(ctx)`` and prints one table."""
