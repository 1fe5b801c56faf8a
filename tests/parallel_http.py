"""Many requests at the same instant through a real HTTP server (pytest-django's ``live_server``), the way
several gunicorn workers receive them: each request runs in its own thread with its own database
connection. A barrier holds every thread until all are ready, so they reach the server together."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

# Well below PostgreSQL's 100 connections: each request holds one on the server side.
THREADS = 20


def fire(method: str, url: str, bodies: list[dict], headers: dict | None = None) -> list[requests.Response]:
    """Send one request per body, all at once; the responses in the order of ``bodies``."""
    barrier = threading.Barrier(min(len(bodies), THREADS))

    def send(body: dict) -> requests.Response:
        with requests.Session() as session:
            try:
                barrier.wait(timeout=30)
            except threading.BrokenBarrierError:
                pass
            return session.request(method, url, json=body, headers=headers or {}, timeout=60)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(send, bodies))


def status_counts(responses: list[requests.Response]) -> Counter:
    return Counter(response.status_code for response in responses)
