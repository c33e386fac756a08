"""Why a run has no archive weather, as data (the loader words it: :mod:`analyzer.io.weather_words`)."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Why the weather archive gave no air for a run (or why a request failed).

    The first group is decided before anything is asked; the second is a whole service's state
    (the report stops asking); the third concerns one request or its days only.
    """

    SWITCHED_OFF = "switched_off"
    """``weather = "off"``: the archive is not used."""
    NO_POSITION = "no_position"
    """The file has no usable position to ask the archive for."""
    FUTURE_DATE = "future_date"
    """The run is dated after today (UTC): the archive has nothing yet (the watch's clock?)."""
    NOT_CACHED = "not_cached"
    """The setting is ``cache`` and the days are not in the cache (nothing is asked)."""

    UNREACHABLE = "unreachable"
    """Offline, or the service's host refused the connection."""
    BAD_ADDRESS = "bad_address"
    """The service's address is not an ``http``/``https`` address with a host."""
    BUSY = "busy"
    """HTTP 429 or 5xx after every retry."""
    TOO_SLOW = "too_slow"
    """No complete answer within the request's deadline."""
    BUDGET_SPENT = "budget_spent"
    """The report's weather budget is spent; nothing more is asked."""
    REDIRECTED = "redirected"
    """Redirected to another host (not followed), or too many times."""

    REFUSED = "refused"
    """The service refused the request (HTTP 4xx)."""
    IMPLAUSIBLE = "implausible"
    """The answer failed the checks (units, physical bounds, hours, place, size, JSON)."""
    UNREADABLE = "unreadable"
    """The answer could not be read for another reason."""
    CACHE_FAILED = "cache_failed"
    """The weather cache could not be used (its lock held too long, a disk error)."""
    NOT_PUBLISHED = "not_published"
    """The archive's answer has no air temperature for these days (ERA5 is about five days behind)."""
    NO_DATA = "no_data"
    """The archive has no hours for this run."""
