"""Test scaffolding: a FIT writer and seeded synthetic athletes, for the tests, the sample team and
the benchmarks. Not part of the analysis: nothing in the analyzer's own path imports it.

- :mod:`analyzer.testing.fit_encode`: FIT files written from arrays (read back by the normal reader).
- :mod:`analyzer.testing.synthetic`: synthetic runs and whole athlete folders.
"""
