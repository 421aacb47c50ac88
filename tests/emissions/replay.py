"""A local HTTP server that replays recorded provider answers, per path, and logs requests."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

FIXTURES = Path(__file__).parent.parent / "fixtures" / "emissions"


def fixture_bytes(name: str) -> bytes:
    """A recorded payload (copies of the project's shared fixtures)."""
    return (FIXTURES / name).read_bytes()


@dataclass(frozen=True)
class Reply:
    """What the server answers on one path."""

    body: bytes = b""
    status: int = 200
    delay_s: float = 0.0
    # When set, the body is sent one byte at a time with this pause between bytes.
    trickle_s: float = 0.0


@dataclass(frozen=True)
class SeenRequest:
    """One request as the server received it."""

    target: str
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        """The path without the query (an absolute URL when sent through a proxy)."""
        return urlsplit(self.target).path

    @property
    def query(self) -> str:
        """The raw query string."""
        return urlsplit(self.target).query


class ReplayServer:
    """ThreadingHTTPServer on 127.0.0.1 with one reply per path; 404 elsewhere."""

    def __init__(self) -> None:
        self.replies: dict[str, Reply] = {}
        self.requests: list[SeenRequest] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        """Base URL, without a trailing slash."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def reply(self, path: str, body: bytes | str = b"", **options: Any) -> None:
        """Answer GET `path` with `body` (and status=, delay_s=, trickle_s=)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.replies[path] = Reply(data, **options)

    def close(self) -> None:
        """Stop serving (handlers still sleeping are daemon threads)."""
        self._server.shutdown()
        self._server.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(SeenRequest(self.path, dict(self.headers.items())))
                reply = server.replies.get(urlsplit(self.path).path, Reply(b"{}", 404))
                time.sleep(reply.delay_s)
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    if reply.trickle_s <= 0:
                        self.wfile.write(reply.body)
                        return
                    for index in range(len(reply.body)):
                        self.wfile.write(reply.body[index : index + 1])
                        self.wfile.flush()
                        time.sleep(reply.trickle_s)
                except (BrokenPipeError, ConnectionResetError):
                    # The client gave up (timeout tests): nothing to answer to.
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                # Quiet: pytest shows the assertions, not an access log.
                pass

        return Handler
