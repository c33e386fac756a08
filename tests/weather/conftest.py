"""Each weather test starts with no memory of earlier hosts and waits briefly between retries."""

from __future__ import annotations

import pytest

from analyzer.weather import archive as archive_module
from analyzer.weather import client


@pytest.fixture(autouse=True)
def fresh_weather_state(monkeypatch):
    monkeypatch.setattr(client, "RETRY_WAIT_S", (0.01, 0.02))
    memories = (client._REACHABLE, archive_module._FAILURES)  # what the process remembers of hosts
    for memory in memories:
        memory.clear()
    yield
    for memory in memories:
        memory.clear()
