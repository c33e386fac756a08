"""Moved to :mod:`analyzer.testing.synthetic`; this name stays so older imports keep working."""

from analyzer.testing import synthetic as _moved


def __getattr__(name: str) -> object:
    return getattr(_moved, name)


def __dir__() -> list[str]:
    return dir(_moved)
