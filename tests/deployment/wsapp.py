"""A small web app with a websocket, launched through jupyterlab-hpc under JupyterHub.

    python wsapp.py --port N

GET /record answers {pid, path, headers} of that very request. The websocket at /ws answers
each message with {echo, headers}, the headers being those of its upgrade request. Every other
path answers a short page. Only tornado (which jupyter_server brings) is needed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from typing import Any

from tornado import web, websocket


class Record(web.RequestHandler):
    def get(self) -> None:
        self.write(
            {
                "pid": os.getpid(),
                "path": self.request.uri,
                "headers": dict(self.request.headers.items()),
            }
        )


class Echo(websocket.WebSocketHandler):
    def check_origin(self, origin: str) -> bool:
        # Behind two proxies the Origin is the hub's: any is fine for a test app.
        return True

    def on_message(self, message: str | bytes) -> None:
        text = message.decode() if isinstance(message, bytes) else message
        self.write_message(
            json.dumps({"echo": text, "headers": dict(self.request.headers.items())})
        )


class Page(web.RequestHandler):
    def get(self, path: str) -> None:
        self.write(f"<h1>ws test app</h1><p>/{path}</p>")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    options, _ = parser.parse_known_args()
    routes: list[Any] = [(r"/record", Record), (r"/ws", Echo), (r"/(.*)", Page)]
    web.Application(routes).listen(options.port, address="127.0.0.1")
    print(f"wsapp {os.getpid()} listening on {options.port}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
