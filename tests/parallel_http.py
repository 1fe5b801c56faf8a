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


def fire(
    method: str,
    url: str,
    bodies: list[dict],
    headers: dict | None = None,
    *,
    form: bool = False,
    threads: int = THREADS,
    cookies: list[dict] | None = None,
    urls: list[str] | None = None,
) -> list[requests.Response]:
    """Send one request per body from ``threads`` threads, the first of them all at once; the responses in
    the order of ``bodies``. With ``form``, each sender first opens the page, as a browser does, and posts
    the form with its CSRF token. ``cookies`` gives each body's sender its own (a signed-in session);
    ``urls`` its own address (e.g. twenty invoices issued at once)."""
    first_wave = min(len(bodies), threads)
    barrier = threading.Barrier(first_wave)
    started = iter(range(len(bodies)))
    lock = threading.Lock()

    def send(index: int) -> requests.Response:
        body = bodies[index]
        target = urls[index] if urls else url
        with lock:
            waits = next(started) < first_wave  # later requests follow as threads come free
        with requests.Session() as session:
            session.cookies.update(cookies[index] if cookies else {})
            options: dict = {"json": body}
            if form:
                session.get(target, timeout=60)
                token = session.cookies.get("csrftoken")
                options = {"data": {**body, "csrfmiddlewaretoken": token}}
            if waits:
                try:
                    barrier.wait(timeout=60)
                except threading.BrokenBarrierError:
                    pass
            return session.request(
                method,
                target,
                headers={"Referer": target, **(headers or {})},
                timeout=60,
                allow_redirects=False,
                **options,
            )

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(send, range(len(bodies))))


def status_counts(responses: list[requests.Response]) -> Counter:
    return Counter(response.status_code for response in responses)
