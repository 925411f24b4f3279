"""Benchmark of the placement core (issue 2, section 4): `python -m bench.run` or `make bench`."""
