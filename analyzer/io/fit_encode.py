"""Moved to :mod:`analyzer.testing.fit_encode`; this name stays so older imports keep working."""

from analyzer.testing import fit_encode as _moved


def __getattr__(name: str) -> object:
    return getattr(_moved, name)


def __dir__() -> list[str]:
    return dir(_moved)
