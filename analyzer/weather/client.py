"""The HTTP side of the weather services (the archive and the forecast): one protected request.

A weather service, or a mirror, is not trusted: only ``http`` and ``https`` addresses with a host
and without a user or password are used (:func:`check_url`); each request has a total deadline
(:data:`REQUEST_DEADLINE_S`) and its caller a budget; answers are decompressed here within
:data:`MAX_ANSWER_BYTES`; redirects are followed only within the same host (:data:`MAX_REDIRECTS`);
HTTP 429 and 5xx are retried with exponential backoff (tenacity). Every failure raises
:class:`~analyzer.errors.ArchiveError` in words naming the service, with its reason as data
(``reason``) and whether asking again is pointless (``give_up``).

The shape follows pvlib's ``iotools``: this module asks, :mod:`analyzer.weather.open_meteo`
parses and checks (``parse_open_meteo``) and gives the public ``get_open_meteo_hourly``.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import tomllib
from pathlib import Path
from urllib.parse import urlparse

from analyzer.errors import ArchiveError
from analyzer.weather.reasons import Reason

log = logging.getLogger(__name__)

URL_ENV = "CRAMP_WEATHER_URL"
"""The environment variable holding the archive's address (a mirror, or a test server)."""


RETRY_ATTEMPTS = 3
"""Tries per request when the archive answers 429 or 5xx (then it is not asked again)."""

RETRY_WAIT_S = (0.5, 4.0)
"""First and longest wait between tries, seconds (doubling in between)."""

TIMEOUT_S = (3.0, 20.0)
"""Connect and read timeouts of a request, seconds (each wait for bytes; see also
:data:`REQUEST_DEADLINE_S`)."""

REQUEST_DEADLINE_S = 60.0
"""Longest a request may take in all (connection, headers and the whole answer), seconds: a
server that trickles a byte at a time never holds a report longer than this. The archive gives
a year of one cell in well under a second."""

MAX_ANSWER_BYTES = 16 * 1024 * 1024
"""Largest answer read, after decompression (gzip or deflate), bytes. A year of one cell is
about 0.4 MB; a bigger answer (or a compression bomb) is refused, never held in memory."""

MAX_REDIRECTS = 3
"""Redirects followed within the archive's own host (never to another host)."""

PROBE_TIMEOUT_S = 1.0
"""How long the offline check waits for the archive's host to accept a connection."""

def check_url(url: str, what: str = "weather archive") -> str:
    """Why ``url`` cannot be the archive's address ("" when it can): only ``http`` and ``https``
    with a host name are accepted (no ``file:``, ``ftp:``, ``javascript:``, no user or password).
    ``what`` names the service in the message (``weather archive``, ``weather forecast``)."""
    try:
        parts = urlparse(str(url))
        port = parts.port
    except ValueError:
        return f"the {what} address {str(url)[:100]!r} is not a valid URL"
    if parts.scheme.lower() not in ("http", "https"):
        shown = f"{parts.scheme}:" if parts.scheme else "no scheme"
        return f"the {what} address {str(url)[:100]!r} is not http or https ({shown}); only http:// and " \
               "https:// addresses are used"
    if not parts.hostname:
        return f"the {what} address {str(url)[:100]!r} has no host name"
    if parts.username or parts.password:
        return f"the {what} address {parts.hostname} carries a user name or password; give it without"
    del port
    return ""

def configured_url(env: str = URL_ENV, key: str = "url") -> str | None:
    """A weather service's address from the environment variable ``env`` (the archive's:
    ``CRAMP_WEATHER_URL``), else ``key`` under ``[weather]`` in the user's config file, else ``None``."""
    if os.environ.get(env):
        return os.environ[env]
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    path = Path(base) / "cramp-analyzer" / "config.toml"
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("weather", {})
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None
    url = table.get(key) if isinstance(table, dict) else None
    return url if isinstance(url, str) and url else None


_REACHABLE: dict[str, bool] = {}
"""``host:port`` → whether it accepted a connection, for the rest of this process."""


def reachable(url: str, timeout_s: float = PROBE_TIMEOUT_S) -> bool:
    """Whether the archive's host accepts a TCP connection within ``timeout_s`` (name lookup
    included), checked once per host and process."""
    parts = urlparse(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    key = f"{host}:{port}"
    if key in _REACHABLE:
        return _REACHABLE[key]
    answer: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout_s):
                answer.append(True)
        except OSError:
            answer.append(False)

    t = threading.Thread(target=probe, daemon=True)  # a hanging name lookup cannot hold us
    t.start()
    t.join(timeout_s)
    _REACHABLE[key] = bool(answer and answer[0])
    return _REACHABLE[key]


def protected_get(url: str, params: dict[str, str], deadline: float, budget_s: float, what: str = "weather archive",
                  on_send=None, budget_words: str = "its time budget") -> dict:
    """One JSON answer from a weather service that is not trusted (the archive, the forecast).

    Retried on 429/5xx (:data:`RETRY_ATTEMPTS`, tenacity), each try within
    :data:`REQUEST_DEADLINE_S` and all of them before ``deadline``; redirects followed only within
    the same host (:data:`MAX_REDIRECTS`); the body read within :data:`MAX_ANSWER_BYTES` once
    decompressed. Raises :class:`ArchiveError`, in words naming ``what``.

    Parameters
    ----------
    url : str
        The service's address (checked with :func:`check_url` first).
    params : dict
        The whole query.
    deadline : float
        Wall-clock time (``time.time()``) after which nothing is asked.
    budget_s : float
        The budget ``deadline`` was set from, seconds (for the message).
    what : str
        The service's name in messages.
    on_send : callable, optional
        Called before each try (a request counter).
    budget_words : str
        The budget's name in messages ("the report's weather budget").
    """
    from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

    bad = check_url(url, what)
    if bad:
        raise ArchiveError(bad, reason=Reason.BAD_ADDRESS)

    def retryable(exc: BaseException) -> bool:
        return isinstance(exc, _Retry)

    @retry(retry=retry_if_exception(retryable), stop=stop_after_attempt(RETRY_ATTEMPTS),
           wait=wait_exponential(multiplier=RETRY_WAIT_S[0], max=RETRY_WAIT_S[1]), reraise=True)
    def once() -> dict:
        if on_send is not None:
            on_send()
        return _within_deadline(url, params, deadline, budget_s, what, budget_words)

    try:
        return once()
    except _Retry as exc:
        raise ArchiveError(f"the {what} is busy ({exc}) after {RETRY_ATTEMPTS} tries",
                           reason=Reason.BUSY) from exc


def _whole(budget_words: str) -> str:
    """"the report's weather budget" → "the report's whole weather budget"."""
    parts = budget_words.rsplit(" ", 2)
    return f"{parts[0]} whole {parts[1]} {parts[2]}" if len(parts) == 3 else f"all of {budget_words}"


def _within_deadline(url: str, params: dict[str, str], deadline: float, budget_s: float, what: str,
                     budget_words: str) -> dict:
    """:func:`_request` in a helper thread, given up at its deadline (the socket is shut)."""
    limit = min(REQUEST_DEADLINE_S, deadline - time.time())
    if limit <= 0:
        raise ArchiveError(f"the {what} took {_whole(budget_words)} ({budget_s:g} s); nothing more was asked",
                           reason=Reason.BUDGET_SPENT)
    box: dict = {}
    t = threading.Thread(target=_request, args=(url, params, box, what), daemon=True)
    t.start()
    t.join(limit)
    if t.is_alive():
        box["abandoned"] = True

        def close_all() -> None:
            for closer in reversed(box.get("closers", [])):  # the socket first, then the session
                try:
                    closer()
                except Exception:  # noqa: BLE001, S110 - best effort: the thread is left behind anyway
                    pass

        threading.Thread(target=close_all, daemon=True).start()  # never waits here for a blocked read
        host = urlparse(url).hostname
        if limit < REQUEST_DEADLINE_S:
            raise ArchiveError(f"the {what} at {host} gave no complete answer before {budget_words} "
                               f"({budget_s:g} s) ran out; nothing more was asked", reason=Reason.BUDGET_SPENT)
        raise ArchiveError(f"the {what} at {host} gave no complete answer within {REQUEST_DEADLINE_S:.0f} s "
                           "(too slow); nothing more was asked", reason=Reason.TOO_SLOW)
    if "error" in box:
        raise box["error"]
    return box["answer"]


def _request(url: str, params: dict[str, str], box: dict, what: str) -> None:
    try:
        box["answer"] = _request_inner(url, params, box, what)
    except (ArchiveError, _Retry) as exc:
        box["error"] = exc
    except Exception as exc:  # noqa: BLE001 - said in words, never as a traceback
        log.info("%s request failed: %r", what, exc)
        box["error"] = ArchiveError(in_words(exc, what), reason=Reason.UNREADABLE)


def _request_inner(url: str, params: dict[str, str] | None, box: dict, what: str) -> dict:
    import requests

    origin = urlparse(url)
    span = _span(params)
    session = requests.Session()
    session.trust_env = False  # no .netrc credentials, no proxy settings from elsewhere sent along
    box.setdefault("closers", []).append(session.close)
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            try:
                answer = session.get(url, params=params, timeout=TIMEOUT_S, stream=True, allow_redirects=False,
                                     headers={"User-Agent": "cramp-analyzer", "Accept-Encoding": "gzip, deflate"})
            except requests.Timeout as exc:
                raise _Retry(f"no answer within {TIMEOUT_S[1]:.0f} s") from exc
            except requests.RequestException as exc:
                raise ArchiveError(f"the {what} at {origin.hostname} could not be reached "
                                   f"({_transport_words(exc)})", reason=Reason.UNREACHABLE) from exc
            box["closers"].append(_shutter(answer))
            if box.get("abandoned"):
                answer.close()
                raise ArchiveError("abandoned", reason=Reason.TOO_SLOW)
            if answer.is_redirect:
                target = urlparse(requests.compat.urljoin(url, answer.headers.get("Location", "")))
                answer.close()
                same_port = target.port == origin.port  # both absent: http → https on the same host is fine
                if target.scheme not in ("http", "https") or target.hostname != origin.hostname or not same_port:
                    raise ArchiveError(f"the {what} at {origin.hostname} redirected the request to another "
                                       f"address ({target.hostname or target.scheme}); not followed, so nothing "
                                       "was sent there", reason=Reason.REDIRECTED)
                url, params = target.geturl(), None
                continue
            break
        else:
            raise ArchiveError(f"the {what} at {origin.hostname} redirected more than {MAX_REDIRECTS} times",
                               reason=Reason.REDIRECTED)
        if answer.status_code == 429 or answer.status_code >= 500:
            answer.close()
            raise _Retry(f"HTTP {answer.status_code}")
        if answer.status_code != 200:
            body = _read_capped(answer, 64 * 1024, strict=False, what=what)
            answer.close()
            raise ArchiveError(f"the {what} refused the request for {span} (HTTP "
                               f"{answer.status_code}{_reason(body)})", give_up=False, reason=Reason.REFUSED)
        body = _read_capped(answer, MAX_ANSWER_BYTES, what=what)
        try:
            return json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise ArchiveError(f"the {what}'s answer was refused: it is not JSON", give_up=False,
                               reason=Reason.IMPLAUSIBLE) from exc
    finally:
        session.close()


def in_words(exc: BaseException, what: str = "weather archive") -> str:
    """An unexpected failure of the weather lookup, said without exception text."""
    name = type(exc).__name__
    if name == "Timeout":  # filelock's
        return "another report held the weather cache's lock for too long"
    if isinstance(exc, OSError):
        return f"the weather cache could not be used ({exc.strerror or 'a disk error'})"
    if isinstance(exc, ArchiveError):
        return str(exc)
    return f"the {what}'s answer could not be read"


def _transport_words(exc: BaseException) -> str:
    import requests

    if isinstance(exc, requests.exceptions.SSLError):
        return "its certificate could not be verified"
    if isinstance(exc, requests.ConnectionError):
        return "the connection failed or was closed"
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return "its answer could not be decompressed"
    return "the request failed"


def _span(params: dict[str, str] | None) -> str:
    if not params:
        return "these days"
    return f"{params.get('start_date', '?')} to {params.get('end_date', '?')}"


def _reason(body: bytes) -> str:
    """The archive's own short reason from a JSON error answer, if it gives one (printable text only)."""
    try:
        reason = json.loads(body).get("reason")
    except (ValueError, AttributeError, RecursionError):
        return ""
    if not isinstance(reason, str):
        return ""
    text = "".join(ch for ch in reason if ch.isprintable())[:160].strip()
    return f": {text}" if text else ""


def _shutter(answer):
    """A callable that shuts the answer's socket, waking a read blocked in another thread (closing
    the answer itself would wait for that read)."""
    def shut() -> None:
        conn = getattr(answer.raw, "_connection", None) or getattr(answer.raw, "connection", None)
        fp = getattr(getattr(answer.raw, "_fp", None), "fp", None)  # http.client's buffered socket file
        for sock in (getattr(conn, "sock", None), getattr(getattr(fp, "raw", None), "_sock", None)):
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
    return shut


def _read_capped(answer, cap: int, strict: bool = True, what: str = "weather archive") -> bytes:
    """The answer's body, decompressed here (gzip, deflate) and never beyond ``cap`` bytes."""
    import zlib

    encoding = answer.headers.get("Content-Encoding", "").strip().lower()
    if encoding in ("", "identity"):
        decoder = None
    elif encoding in ("gzip", "x-gzip", "deflate"):
        decoder = zlib.decompressobj(wbits=47)  # gzip or zlib header, detected
    else:
        if not strict:
            return b""
        raise ArchiveError(f"the {what}'s answer was refused: it is compressed as {encoding[:20]!r}, which "
                           "was not asked for", give_up=False, reason=Reason.IMPLAUSIBLE)
    out = bytearray()
    while True:
        chunk = answer.raw.read(16384, decode_content=False)
        if not chunk:
            break
        if decoder is None:
            out += chunk
        else:
            while chunk:
                out += decoder.decompress(chunk, cap + 1 - len(out))
                chunk = decoder.unconsumed_tail
                if len(out) > cap:
                    break
        if len(out) > cap:
            if not strict:
                return bytes(out[:cap])
            raise ArchiveError(f"the {what}'s answer was refused: it is larger than {cap // (1024 * 1024)} MB "
                               "once decompressed", give_up=False, reason=Reason.IMPLAUSIBLE)
    if decoder is not None:
        try:
            out += decoder.flush()
        except zlib.error:
            pass
    return bytes(out)


class _Retry(Exception):
    """An answer worth asking again for (429, 5xx, a read timeout)."""
