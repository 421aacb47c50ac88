"""A small real web app for the launcher's tests: it records how it was started and asked.

GET /record answers {argv, env, cwd, pid, headers, path}: the argv and environment it was
started with and the headers of that very request. POST, PUT, PATCH and DELETE answer
{method, path, body} and are remembered: GET /received lists them ("METHOD path").
Every other path answers a short page.
Options pick a behaviour at start (all after the listening options):

  --port N | --unix PATH   where to listen (127.0.0.1:N or a unix socket)
  --delay S                wait S seconds before listening
  --crash                  print a message and exit with code 3 before listening
  --exit0                  exit with code 0 before listening
  --never-ready            never listen, sleep until killed
  --ignore-term            ignore SIGTERM (as MLflow does)
  --child FILE             start a grandchild that sleeps, and write its pid to FILE
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import socketserver
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# "METHOD path" of every POST, PUT, PATCH and DELETE this app has answered.
RECEIVED: list[str] = []


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode(errors="replace")
        RECEIVED.append(f"{self.command} {self.path}")
        echo = {"method": self.command, "path": self.path, "body": body}
        self._answer(json.dumps(echo).encode(), "application/json")

    do_PUT = do_PATCH = do_DELETE = do_POST

    def do_GET(self) -> None:
        if self.path.split("?")[0] == "/record":
            body = json.dumps(
                {
                    "argv": sys.argv[1:],
                    "env": dict(os.environ),
                    "cwd": os.getcwd(),
                    "pid": os.getpid(),
                    "path": self.path,
                    "headers": {k: v for k, v in self.headers.items()},
                }
            ).encode()
            content_type = "application/json"
        elif self.path == "/received":
            body = json.dumps(RECEIVED).encode()
            content_type = "application/json"
        else:
            body = f"<h1>test app</h1><p>{self.path}</p>".encode()
            content_type = "text/html"
        self._answer(body, content_type)

    def _answer(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        print("request:", format % args, flush=True)


class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class UnixHandler(Handler):
    def address_string(self) -> str:
        return "unix"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int)
    parser.add_argument("--unix")
    parser.add_argument("--delay", type=float, default=0)
    parser.add_argument("--crash", action="store_true")
    parser.add_argument("--exit0", action="store_true")
    parser.add_argument("--never-ready", action="store_true")
    parser.add_argument("--ignore-term", action="store_true")
    parser.add_argument("--child")
    options, _ = parser.parse_known_args()
    print(f"testapp {os.getpid()} started with {sys.argv[1:]}", flush=True)
    if options.ignore_term:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if options.child:
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
        with open(options.child, "w") as file:
            file.write(str(child.pid))
    if options.crash:
        print("testapp: error: --logdir is required", file=sys.stderr, flush=True)
        return 3
    if options.exit0:
        print("testapp: nothing to do", flush=True)
        return 0
    if options.never_ready:
        while True:
            time.sleep(3600)
    time.sleep(options.delay)
    if options.unix:
        server: socketserver.BaseServer = UnixServer(options.unix, UnixHandler)
    else:
        server = ThreadingHTTPServer(("127.0.0.1", options.port), Handler)
        server.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    print("testapp listening", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
