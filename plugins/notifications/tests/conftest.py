"""A real SMTP server (aiosmtpd) and a fake text-message provider (http.server), both on loopback ports
chosen at run time, plus a clinic ready to book."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from plugins.scheduling.tests.conftest import at, open_all_week, sched  # noqa: F401
from tests.conftest import alpha, beta, login  # noqa: F401


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


class SmtpServer:
    def __init__(self):
        self.port = free_port()
        self.inbox = Inbox()
        self.controller = None

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self):
        return self.inbox.messages


@pytest.fixture
def smtp(settings):
    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


class Provider:
    """What the fake provider answers: "ok", "error" (HTTP 500) or "slow" (longer than the timeout)."""

    def __init__(self):
        self.mode = "ok"
        self.requests = []
        self.delay = 2.0


@pytest.fixture
def sms_provider(settings):
    provider = Provider()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            provider.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
            if provider.mode == "slow":
                time.sleep(provider.delay)
            status, answer = (
                (500, {"error": "boom"})
                if provider.mode == "error"
                else (
                    201,
                    {"id": f"msg-{len(provider.requests)}"},
                )
            )
            data = json.dumps(answer).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.NOTIFICATIONS_SMS_BACKEND = "plugins.notifications.sms.HttpSmsBackend"
    settings.NOTIFICATIONS_SMS_BASE_URL = f"http://127.0.0.1:{server.server_address[1]}/v1"
    settings.NOTIFICATIONS_SMS_ACCOUNT = "acct-1"
    settings.NOTIFICATIONS_SMS_TOKEN = "secret-token"
    settings.NOTIFICATIONS_SMS_TIMEOUT = 0.3
    yield provider
    server.shutdown()
    server.server_close()
