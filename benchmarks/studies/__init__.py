"""One-off studies behind the encoder's defaults (see ``benchmarks/__init__.py``).

Run from the repository root as ``python -m benchmarks.studies.<name>``; the results go
to ``benchmarks/results/`` like those of the other benchmarks.
"""
