"""A real HTTP server standing in for JupyterHub's REST API: it records what it is asked."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Call:
    """One request the hub received."""

    method: str
    path: str
    authorization: str | None


@dataclass
class FakeHub:
    """`GET /hub/api/user` answers `scopes`; `DELETE` of a server answers `delete_status`."""

    scopes: list[str] = field(default_factory=list)
    delete_status: int = 202
    user_status: int = 200
    calls: list[Call] = field(default_factory=list)
    # Called on a DELETE before it is answered (as the hub stops the server before answering).
    on_delete: Callable[[], None] | None = None
    _server: ThreadingHTTPServer | None = None

    @property
    def api_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/hub/api"

    def start(self) -> FakeHub:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, body: Any = None) -> None:
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _record(self) -> None:
                hub.calls.append(Call(self.command, self.path, self.headers.get("Authorization")))

            def do_GET(self) -> None:
                self._record()
                if self.path != "/hub/api/user":
                    return self._answer(404, {"status": 404, "message": "Not Found"})
                if hub.user_status != 200:
                    return self._answer(
                        hub.user_status, {"status": hub.user_status, "message": "hub is broken"}
                    )
                self._answer(200, {"kind": "user", "name": "alice", "scopes": hub.scopes})

            def do_DELETE(self) -> None:
                self._record()
                if hub.on_delete is not None:
                    hub.on_delete()
                if hub.delete_status == 403:
                    return self._answer(
                        403,
                        {"status": 403, "message": "Action is not authorized with current scopes"},
                    )
                self._answer(hub.delete_status)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def deletes(self) -> list[Call]:
        return [call for call in self.calls if call.method == "DELETE"]

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
