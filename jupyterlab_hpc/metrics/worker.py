"""One daemon thread that runs blocking calls in order, and never holds up the server's exit.

concurrent.futures joins its worker threads at interpreter exit, even after
`shutdown(wait=False)`: one read stuck on a hung file system (or a FIFO where sysfs should
be) would keep a stopped server alive for ever. A daemon thread is abandoned at exit instead.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from typing import Callable, Optional, TypeVar

T = TypeVar("T")

_Job = Optional[tuple[Callable[[], object], "Future[object]"]]


class DaemonWorker:
    """Runs submitted calls one at a time in its own daemon thread, started on first use."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        # Calls submitted and not finished yet, the running one included.
        self._pending = 0
        self._closed = False

    @property
    def busy(self) -> bool:
        """Whether a call is running or waiting: a new one would queue behind it."""
        with self._lock:
            return self._pending > 0

    def submit(self, call: Callable[[], T]) -> Future[T]:
        """Run `call` in the worker thread; its result or exception goes to the future."""
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError(f"worker {self.name} is closed")
            self._pending += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name=self.name, daemon=True)
                self._thread.start()
        self._jobs.put((call, future))  # type: ignore[arg-type]
        return future

    def close(self) -> None:
        """Refuse new calls and let the thread end after the current one; never waits."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._jobs.put(None)

    def _serve(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            call, future = job
            try:
                if future.set_running_or_notify_cancel():
                    try:
                        future.set_result(call())
                    except BaseException as error:
                        future.set_exception(error)
            finally:
                with self._lock:
                    self._pending -= 1
