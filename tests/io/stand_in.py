"""Pieces of the local stand-in for Open-Meteo that the archive's and the forecast's hostile tests share."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from urllib.parse import parse_qs

from werkzeug import Request, Response


def query(request: Request) -> dict[str, str]:
    """The request's query string, one value per name."""
    return {k: v[0] for k, v in parse_qs(request.query_string.decode()).items()}


def json_answer(make: Callable[[dict], dict], request: Request, change=None) -> Response:
    """The stand-in's answer to ``request`` (``make`` builds it from the query), ``change`` applied first."""
    body = make(query(request))
    if change is not None:
        change(body)
    return Response(json.dumps(body), content_type="application/json")


def in_fahrenheit(answer: dict) -> None:
    """An answer's air and dew point given in °F, as a mirror set to Fahrenheit gives them (16 °C → 60.8 °F)."""
    h = answer["hourly"]
    h["temperature_2m"] = [round(t * 9 / 5 + 32, 3) for t in h["temperature_2m"]]
    h["dew_point_2m"] = [round(t * 9 / 5 + 32, 3) for t in h["dew_point_2m"]]
    answer["hourly_units"].update(temperature_2m="°F", dew_point_2m="°F")


def trickling(stop: threading.Event, gone: threading.Event, sent: list) -> Callable[[Request], Response]:
    """A handler that sends one byte every 0.2 s of a promised 100,000 (no single read ever waits a read
    timeout), until ``stop``; ``sent`` counts the bytes, ``gone`` is set when the client hung up."""

    def trickle(request: Request) -> Response:
        def body():
            try:
                for _ in range(1000):
                    if stop.is_set():
                        return
                    yield b" "
                    sent.append(1)
                    time.sleep(0.2)
            finally:
                gone.set()
        return Response(body(), headers={"Content-Length": "100000"}, content_type="application/json")

    return trickle
