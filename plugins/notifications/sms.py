"""Sending text messages: a small provider interface, a console/file backend for development, and an
adapter for an HTTP provider that takes JSON.

Settings (or the environment variables of the same name): ``NOTIFICATIONS_SMS_BACKEND`` (dotted path of a
backend class), and for ``HttpSmsBackend``: ``NOTIFICATIONS_SMS_BASE_URL``, ``NOTIFICATIONS_SMS_ACCOUNT``,
``NOTIFICATIONS_SMS_TOKEN``, ``NOTIFICATIONS_SMS_TIMEOUT`` (seconds). ``NOTIFICATIONS_SMS_FILE`` makes the
console backend append to a file instead of logging.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

# GSM 03.38 basic set, and the extension set whose characters take two septets.
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")
MAX_SEGMENTS = 3


class SmsError(Exception):
    """Sending failed. ``retryable`` is False when trying again cannot help (a refused number)."""

    def __init__(self, message: str, retryable: bool = True):
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class SmsResult:
    provider_id: str


def setting(name: str, default=None):
    return getattr(settings, name, None) or os.environ.get(name) or default


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def _units(text: str, gsm: bool) -> int:
    if gsm:
        return sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)
    return len(text.encode("utf-16-le")) // 2


def segment_limits(gsm: bool) -> tuple[int, int]:
    """(characters in a single-part message, characters per part of a multi-part one)."""
    return (160, 153) if gsm else (70, 67)


def segments(text: str) -> int:
    gsm = is_gsm7(text)
    single, part = segment_limits(gsm)
    units = _units(text, gsm)
    if units <= single:
        return 1
    return -(-units // part)


def fit_to_segments(text: str, max_segments: int = MAX_SEGMENTS) -> str:
    """Trim ``text`` so it goes out in at most ``max_segments`` parts: 160 GSM-7 characters (153 per part
    when split) or 70 UCS-2 characters (67 per part), ending with an ellipsis when cut."""
    text = " ".join(text.split())
    gsm = is_gsm7(text)
    single, part = segment_limits(gsm)
    limit = single if max_segments == 1 else part * max_segments
    if _units(text, gsm) <= limit:
        return text
    ellipsis = "..." if gsm else "…"
    budget = limit - _units(ellipsis, gsm)
    out, used = [], 0
    for ch in text:
        cost = _units(ch, gsm)
        if used + cost > budget:
            break
        out.append(ch)
        used += cost
    return "".join(out).rstrip() + ellipsis


class SmsBackend:
    """Send one text message to an E.164 number; return the provider's id or raise ``SmsError``."""

    def send(self, *, to: str, body: str, sender: str) -> SmsResult:
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """Development: log the message, or append it to ``NOTIFICATIONS_SMS_FILE`` as one JSON line."""

    def send(self, *, to: str, body: str, sender: str) -> SmsResult:
        message_id = f"local-{uuid.uuid4()}"
        path = setting("NOTIFICATIONS_SMS_FILE")
        record = {"id": message_id, "to": to, "from": sender, "body": body}
        if path:
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            log.info("text message %s", json.dumps(record, ensure_ascii=False))
        return SmsResult(message_id)


class HttpSmsBackend(SmsBackend):
    """A provider that takes ``POST {base}/accounts/{account}/messages`` with a JSON body
    ``{"to", "from", "body"}``, a bearer token, and answers ``{"id": ...}``.

    Server errors, throttling (429) and timeouts may succeed later; other 4xx answers will not.
    """

    def __init__(self, base_url=None, account=None, token=None, timeout=None):
        self.base_url = (base_url or setting("NOTIFICATIONS_SMS_BASE_URL", "")).rstrip("/")
        self.account = account or setting("NOTIFICATIONS_SMS_ACCOUNT", "")
        self.token = token or setting("NOTIFICATIONS_SMS_TOKEN", "")
        self.timeout = float(timeout or setting("NOTIFICATIONS_SMS_TIMEOUT", 10))

    def send(self, *, to: str, body: str, sender: str) -> SmsResult:
        if not self.base_url.startswith(("https://", "http://")):
            raise SmsError("text message provider is not configured", retryable=False)
        url = f"{self.base_url}/accounts/{self.account}/messages"
        payload = json.dumps({"to": to, "from": sender, "body": body}).encode()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            url,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Authorization": f"Bearer {self.token}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            retryable = error.code >= 500 or error.code == 429
            raise SmsError(f"provider answered HTTP {error.code}", retryable=retryable) from error
        except (TimeoutError, urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise SmsError(f"provider unreachable: {reason}") from error
        except ValueError as error:
            raise SmsError("provider answered something that is not JSON") from error
        provider_id = str(answer.get("id") or answer.get("sid") or answer.get("message_id") or "")
        if not provider_id:
            raise SmsError("provider answered without a message id")
        return SmsResult(provider_id)


def get_backend() -> SmsBackend:
    path = setting("NOTIFICATIONS_SMS_BACKEND", "plugins.notifications.sms.ConsoleSmsBackend")
    return import_string(path)()
