"""A loopback fake of the two Chorus endpoints the interop tests drive.

Standard library only. It listens on 127.0.0.1 with an OS-chosen port, checks
the `Authorization` header the way Chorus does (the bare API token, no
scheme), records every request for assertions, and serves:

- ``GET /v3/engagements``: plain JSON, three pages chained by
  ``continuation_key`` (the real keys contain a space, so these do too); the
  last page carries no key. An unknown key is a 400.
- ``GET /api/v1/conversations/{id}/media``: JSON:API metadata with a download
  link when ``info=true``, else the recording itself (``audio/webm``,
  ``MEDIA_BYTES``).
- ``GET /api/v1/conversations/{id}``: a JSON:API document
  (``application/vnd.api+json``) with summary, action items and
  ``recording.utterances``; an unknown id is a JSON:API 404. The id
  ``HOLD_ID`` is answered only once the test calls ``release_hold()``, so a
  test can cancel a request while it is in flight.

Anything else is a JSON:API 404. A wrong or missing token is a JSON:API 401.
"""

from __future__ import annotations

import json
import sys
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOLD_ID = "HOLD0000000000000000000000000000"

# Three pages of engagements; page n+1 is reached with the key page n returns.
PAGE_KEYS = ["", "1591110020.0 5E1D3C2B1A0F4E9D8C7B6A5948372615", "1591120030.0 A0B1C2D3E4F5061728394A5B6C7D8E9F"]


def _engagement(index: int) -> dict[str, Any]:
    engagement_id = f"EE{index:02d}" + "8ED5BBBC254177B8201B9D848559"
    return {
        "engagement_id": engagement_id,
        "engagement_type": "meeting",
        "subject": f"Discovery call #{index}",
        "date_time": 1632490362 + index * 3600,
        "duration": 1800.5 + index,
        "account_name": "Initech",
        "language": "en",
        "participants": [
            {"name": "Mike Gorman", "email": "mike@example.com", "type": "rep"},
            {"name": "Peter Gibbons", "email": "peter@initech.example", "type": "cust"},
        ],
    }


ENGAGEMENT_PAGES: list[list[dict[str, Any]]] = [
    [_engagement(i) for i in range(1, 4)],
    [_engagement(i) for i in range(4, 7)],
    [_engagement(i) for i in range(7, 9)],
]
ALL_ENGAGEMENT_IDS: list[str] = [e["engagement_id"] for page in ENGAGEMENT_PAGES for e in page]


# The recording GET /api/v1/conversations/{id}/media streams (info=false): 1 MiB of
# deterministic non-UTF-8 bytes behind a WebM magic number.
MEDIA_BYTES: bytes = b"\x1a\x45\xdf\xa3" + bytes((i * 131 + 7) % 256 for i in range(1024 * 1024 - 4))


def conversation_document(conversation_id: str) -> dict[str, Any]:
    """The JSON:API document `GET /api/v1/conversations/{id}` returns."""
    return {
        "data": {
            "type": "conversation",
            "id": conversation_id,
            "attributes": {
                "name": "Discovery call with Initech",
                "_created_at": "2024-05-01T15:00:00Z",
                "language": "en",
                "summary": "Initech wants to consolidate its TPS reporting; pricing follow-up next week.",
                "action_items": ["Send the pricing sheet", "Book a technical deep-dive"],
                "recording": {
                    "duration": 1805.5,
                    "start_time": "2024-05-01T15:00:00Z",
                    "utterances": [
                        {
                            "id": "u1", "index": 0, "participant": 1, "speaker_name": "Mike Gorman",
                            "speaker_type": "rep", "snippet": "Thanks for joining, Peter.", "snippet_time": 1.5,
                            "snippet_length": 2.0, "snippet_word_count": 4, "date_time": "2024-05-01T15:00:01Z",
                            "engaging": False, "expired": False,
                        },
                        {
                            "id": "u2", "index": 1, "participant": 2, "speaker_name": "Peter Gibbons",
                            "speaker_type": "cust", "snippet": "Happy to. Our TPS reports take days.",
                            "snippet_time": 4.0, "snippet_length": 3.1, "snippet_word_count": 7,
                            "date_time": "2024-05-01T15:00:04Z", "engaging": True, "expired": False,
                        },
                    ],
                },
            },
        }
    }


def jsonapi_error(status: int, title: str, detail: str) -> dict[str, Any]:
    return {"errors": [{"status": str(status), "title": title, "detail": detail}]}


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that drops its connection (conduit cancelling an upstream request)
        # is expected; anything else is still reported.
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    raw_target: str
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class FakeChorus:
    """Start with `start()` (or use as a context manager); `url` is the base URL."""

    token: str
    requests: list[RecordedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._hold = threading.Event()
        self._held = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> "FakeChorus":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def _serve(self) -> None:
                fake._handle(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._hold.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "FakeChorus":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "the fake is not running"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- assertions helpers ------------------------------------------------

    def recorded(self, path: str | None = None, method: str | None = None) -> list[RecordedRequest]:
        with self._lock:
            found = list(self.requests)
        return [r for r in found if (path is None or r.path == path) and (method is None or r.method == method)]

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()

    def wait_until_held(self, timeout: float) -> bool:
        """True once a request for HOLD_ID has arrived (and is being held)."""
        return self._held.wait(timeout)

    def release_hold(self) -> None:
        self._hold.set()

    # -- request handling --------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        split = urllib.parse.urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        record = RecordedRequest(
            method=h.command,
            path=urllib.parse.unquote(split.path),
            query=urllib.parse.parse_qs(split.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in h.headers.items()},
            raw_target=h.path,
            body=body,
        )
        with self._lock:
            self.requests.append(record)

        if record.header("Authorization") != self.token:
            detail = "missing Authorization header" if record.header("Authorization") is None else "invalid API token"
            return self._send(h, 401, jsonapi_error(401, "Unauthorized", detail), "application/vnd.api+json")

        if record.method == "GET" and record.path == "/v3/engagements":
            return self._engagements(h, record)
        prefix = "/api/v1/conversations/"
        if record.method == "GET" and record.path.startswith(prefix) and "/" not in record.path[len(prefix):]:
            return self._conversation(h, record.path[len(prefix):])
        if record.method == "GET" and record.path.startswith(prefix) and record.path.endswith("/media"):
            return self._media(h, record, record.path[len(prefix):-len("/media")])
        return self._send(h, 404, jsonapi_error(404, "Not Found", f"no route for {record.method} {record.path}"),
                          "application/vnd.api+json")

    def _engagements(self, h: BaseHTTPRequestHandler, record: RecordedRequest) -> None:
        key = (record.query.get("continuation_key") or [""])[0]
        if key not in PAGE_KEYS:
            return self._send(h, 400, {"message": f"invalid continuation_key {key!r}"}, "application/json")
        page = PAGE_KEYS.index(key)
        body: dict[str, Any] = {"engagements": ENGAGEMENT_PAGES[page]}
        if page + 1 < len(PAGE_KEYS):
            body["continuation_key"] = PAGE_KEYS[page + 1]
        self._send(h, 200, body, "application/json")

    def _conversation(self, h: BaseHTTPRequestHandler, conversation_id: str) -> None:
        if conversation_id == HOLD_ID:
            self._held.set()
            self._hold.wait(10)
        if conversation_id in ALL_ENGAGEMENT_IDS or conversation_id == HOLD_ID:
            return self._send(h, 200, conversation_document(conversation_id), "application/vnd.api+json")
        return self._send(h, 404, jsonapi_error(404, "Not Found", f"conversation {conversation_id} was not found"),
                          "application/vnd.api+json")

    def _media(self, h: BaseHTTPRequestHandler, record: RecordedRequest, conversation_id: str) -> None:
        if conversation_id not in ALL_ENGAGEMENT_IDS:
            return self._send(h, 404, jsonapi_error(404, "Not Found", f"conversation {conversation_id} was not found"),
                              "application/vnd.api+json")
        if (record.query.get("info") or ["false"])[0] == "true":
            document = {"data": {"type": "media", "id": conversation_id, "attributes": {
                "url": f"https://media.example/{conversation_id}.webm?sig=abc", "mime_type": "audio/webm",
                "expires_in": 3600}}}
            return self._send(h, 200, document, "application/vnd.api+json")
        h.send_response(200)
        h.send_header("Content-Type", "audio/webm")
        h.send_header("Content-Length", str(len(MEDIA_BYTES)))
        h.end_headers()
        try:
            for start in range(0, len(MEDIA_BYTES), 64 * 1024):
                h.wfile.write(MEDIA_BYTES[start:start + 64 * 1024])
        except (BrokenPipeError, ConnectionResetError):
            pass

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, payload: Any, content_type: str) -> None:
        data = json.dumps(payload).encode()
        try:
            h.send_response(status)
            h.send_header("Content-Type", content_type)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a cancelled request); nothing to do
