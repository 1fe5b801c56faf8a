"""The Redis cache backend (``core.cache``) keeps one client per connection pool instead of building one
per call, and still reads and writes as Django's own (against a real redis-server)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest

from core.cache import RedisCache


@pytest.fixture
def redis_url():
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (scripts/bootstrap.sh bench installs it)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_one_client_per_pool_and_the_same_answers(redis_url):
    cache = RedisCache(redis_url, {"KEY_PREFIX": "t"})
    client = cache._cache.get_client()
    assert cache._cache.get_client() is client
    assert cache._cache.get_client(write=True) is client  # one server: reads and writes share its pool

    assert cache.get("missing", "default") == "default"
    cache.set("session", {"ehr_last_seen": 1}, 30)
    assert cache.get("session") == {"ehr_last_seen": 1}
    assert cache.add("session", "other", 30) is False
    assert cache.add("count", 1, 30) is True
    assert cache.incr("count") == 2
    cache.delete("session")
    assert cache.get("session") is None
    assert cache._cache.get_client() is client


def test_reads_spread_over_replicas_each_with_its_own_client(redis_url):
    # A second address is a read replica (Django reads from the others, writes to the first).
    cache = RedisCache(f"{redis_url},{redis_url}", {})
    writer = cache._cache.get_client(write=True)
    reader = cache._cache.get_client()
    assert reader is not writer
    assert cache._cache.get_client() is reader
    cache.set("k", "v", 30)
    assert cache.get("k") == "v"
