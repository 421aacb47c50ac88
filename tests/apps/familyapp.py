"""A test app that starts a family of processes which try hard to outlive it.

--port N        listen on 127.0.0.1:N (GET / answers once every member below has started)
--pids DIR      write one file per process of the family into DIR, named by its pid
--env FILE      write the app's environment as JSON to FILE
--ignore-term   the app itself ignores SIGTERM (as MLflow does)
--fork          a child in the app's group that ignores SIGTERM
--setsid-child  a child that calls setsid() (a session of its own) and clears its
                environment, still a child of the app
--daemon        a grandchild that calls setsid() and forks again (its parent exits): a
                daemon of init, in a session of its own, that ignores SIGTERM
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SLEEP = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(3600)"


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"family"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def note(pids: Path | None, pid: int, role: str) -> None:
    if pids is not None:
        # Written aside, then renamed: a reader never sees an empty file.
        (pids / f".{pid}").write_text(role)
        os.rename(pids / f".{pid}", pids / str(pid))


def sleep_forever() -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:
        time.sleep(3600)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pids", type=Path)
    parser.add_argument("--env", type=Path)
    parser.add_argument("--ignore-term", action="store_true")
    parser.add_argument("--fork", action="store_true")
    parser.add_argument("--setsid-child", action="store_true")
    parser.add_argument("--daemon", action="store_true")
    options, _ = parser.parse_known_args()
    if options.env:
        options.env.write_text(json.dumps(dict(os.environ)))
    if options.ignore_term:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    note(options.pids, os.getpid(), "app")
    if options.fork:
        child = os.fork()
        if child == 0:
            sleep_forever()
        note(options.pids, child, "fork")
    if options.setsid_child:
        read, write = os.pipe()
        child = os.fork()
        if child == 0:
            os.setsid()
            os.execve(sys.executable, [sys.executable, "-c", SLEEP], {})
        os.close(write)
        note(options.pids, child, "setsid-child")
        os.read(read, 1)  # its end closes at its exec: it runs with no environment now
        os.close(read)
    if options.daemon:
        read, write = os.pipe()
        child = os.fork()
        if child == 0:
            os.close(read)
            os.setsid()
            if os.fork() == 0:
                note(options.pids, os.getpid(), "daemon")
                os.write(write, b"x")
                sleep_forever()
            os._exit(0)
        os.close(write)
        os.read(read, 1)  # the daemon has noted its pid
        os.close(read)
        os.waitpid(child, 0)
    server = ThreadingHTTPServer(("127.0.0.1", options.port), Handler)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
