"""Run a module-level function in a separate, resource-limited process.

Parsing untrusted files (PDF, DOCX) can hang, exhaust memory (Flate/zip bombs) or crash a C
extension. `run_limited` runs the parser in a child process with an address-space limit
(RLIMIT_AS), a CPU-time limit (RLIMIT_CPU) and a wall-clock timeout, so the web worker that asked
for it survives whatever the file does.

Children are forked by a `forkserver`: the server is a fresh single-threaded interpreter started
with `exec`, so forking from it is safe even when the caller is a multi-threaded web server (a
plain `fork` of a threaded process can deadlock on locks held by other threads). Modules named by
`register_preload` (pypdf, python-docx by default) are imported once in the server, which keeps
the per-call cost to a fork plus two pickles (about 10 ms, see bench/bench_clausecheck.py).
"""

from __future__ import annotations

import contextlib
import io
import math
import multiprocessing
import os
import pickle
import resource
import signal
import threading
from collections.abc import Callable
from multiprocessing import forkserver, popen_forkserver, reduction, spawn, util
from multiprocessing.connection import Connection
from multiprocessing.context import set_spawning_popen
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar, cast

__all__ = [
    "SandboxCrashed",
    "SandboxError",
    "SandboxMemoryExceeded",
    "SandboxTimeout",
    "register_preload",
    "run_limited",
]

T = TypeVar("T")

# This module itself: the child runs `_child_main` from here, and importing `portal` pulls in
# Flask (~0.2 s) — paid once in the server instead of in every child.
_DEFAULT_PRELOAD: tuple[str, ...] = (__name__, "pypdf", "docx", "lxml.etree", "zipfile", "zlib")
_preload: list[str] = list(_DEFAULT_PRELOAD)
_preload_lock = threading.Lock()

# Exit status used by the child when it cannot even report a MemoryError through the pipe.
_EXIT_NO_MEMORY = 86


class SandboxError(Exception):
    """Base class: the sandboxed call did not produce a result."""


class SandboxTimeout(SandboxError):
    """The child exceeded its wall-clock or CPU-time limit and was killed."""


class SandboxMemoryExceeded(SandboxError):
    """The child hit its address-space limit."""


class SandboxCrashed(SandboxError):
    """The child died without a result (signal, hard crash) or raised an unpicklable error."""


def register_preload(*modules: str) -> None:
    """Ask the fork server to import `modules` once at start-up (no effect once it runs)."""
    with _preload_lock:
        for name in modules:
            if name not in _preload:
                _preload.append(name)


class _LeanPopen(popen_forkserver.Popen):
    """Forkserver Popen that does not re-import the parent's ``__main__`` in the child.

    multiprocessing normally re-runs the parent's main script (pytest, gunicorn, flask) in every
    child so that functions defined there can be unpickled. `run_limited` only accepts functions
    from importable modules, so that import is pure overhead (tens of ms per call under a web
    server). This mirrors `popen_forkserver.Popen._launch` of CPython 3.11 minus the main keys.
    """

    def _launch(self, process_obj: Any) -> None:
        prep_data = spawn.get_preparation_data(process_obj._name)
        prep_data.pop("init_main_from_name", None)
        prep_data.pop("init_main_from_path", None)
        buf = io.BytesIO()
        set_spawning_popen(self)
        try:
            reduction.dump(prep_data, buf)
            reduction.dump(process_obj, buf)
        finally:
            set_spawning_popen(None)

        fds: list[int] = self._fds  # type: ignore[attr-defined]  # set by Popen.__init__
        self.sentinel, w = forkserver.connect_to_new_process(fds)
        parent_w = os.dup(w)
        close_fds = util.close_fds  # type: ignore[attr-defined]  # missing from typeshed
        self.finalizer = util.Finalize(self, close_fds, (parent_w, self.sentinel))
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class _LeanProcess(multiprocessing.context.ForkServerProcess):
    @staticmethod
    def _Popen(process_obj: BaseProcess) -> _LeanPopen:
        return _LeanPopen(process_obj)


_ctx = multiprocessing.get_context("forkserver")
_start_lock = threading.Lock()
_server_started = False


def _ensure_server() -> None:
    global _server_started
    with _start_lock:
        if not _server_started:
            with _preload_lock:
                _ctx.set_forkserver_preload(list(_preload))
            forkserver.ensure_running()
            _server_started = True


def _child_main(
    conn: Connection, func: Callable[..., Any], args: tuple[Any, ...], cpu_s: int, mem_bytes: int
) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
    resource.setrlimit(resource.RLIMIT_AS, (mem_bytes, mem_bytes))
    try:
        result = func(*args)
    except MemoryError:
        # Drop the traceback (it pins the big objects) before trying to report.
        _report(conn, ("memory", None))
        return
    except BaseException as exc:  # every failure must reach the parent
        _report(conn, ("error", _picklable_or_none(exc), f"{type(exc).__name__}: {exc}"))
        return
    _report(conn, ("ok", result))


def _picklable_or_none(exc: BaseException) -> BaseException | None:
    try:
        # Round trip of our own object, to learn whether the parent will be able to load it.
        clone = pickle.loads(pickle.dumps(exc))  # noqa: S301
    except Exception:
        return None
    return clone if isinstance(clone, BaseException) else None


def _report(conn: Connection, message: tuple[Any, ...]) -> None:
    try:
        conn.send(message)
    except MemoryError:
        os._exit(_EXIT_NO_MEMORY)
    except Exception as exc:  # result could not be pickled
        try:
            conn.send(("error", None, f"result not transferable: {type(exc).__name__}: {exc}"))
        except Exception:
            os._exit(_EXIT_NO_MEMORY)
    finally:
        conn.close()


def run_limited(
    func: Callable[..., T], *args: Any, timeout_s: float = 20.0, memory_mb: int = 1024
) -> T:
    """Call ``func(*args)`` in a fresh child process limited in time and memory.

    ``func`` must be a module-level function of an importable module (it is pickled by name).
    Returns its result, re-raises its exception when that exception pickles, and otherwise
    raises `SandboxTimeout`, `SandboxMemoryExceeded` or `SandboxCrashed`. Safe to call from
    several threads at once.
    """
    module = getattr(func, "__module__", None)
    if module in (None, "__main__", "__mp_main__") or "<locals>" in getattr(
        func, "__qualname__", "<locals>"
    ):
        raise TypeError("run_limited needs a module-level function of an importable module")
    if timeout_s <= 0 or memory_mb <= 0:
        raise ValueError("timeout_s and memory_mb must be positive")

    _ensure_server()
    cpu_s = max(1, math.ceil(timeout_s))
    mem_bytes = memory_mb * 1024 * 1024
    recv_conn, send_conn = _ctx.Pipe(duplex=False)
    proc = _LeanProcess(
        target=_child_main, args=(send_conn, func, args, cpu_s, mem_bytes), daemon=True
    )
    try:
        proc.start()
        send_conn.close()
        message = _receive(recv_conn, proc, timeout_s)
    finally:
        recv_conn.close()
        if proc.is_alive():
            proc.kill()
        proc.join(timeout=5)
        with contextlib.suppress(ValueError):  # still running after SIGKILL: leave it to init
            proc.close()
    return cast(T, _unpack(message))


def _receive(conn: Connection, proc: BaseProcess, timeout_s: float) -> tuple[Any, ...]:
    if not conn.poll(timeout_s):
        proc.kill()
        proc.join(timeout=5)
        raise SandboxTimeout(f"no result within {timeout_s:g} s")
    try:
        message = conn.recv()
    except (EOFError, OSError):
        proc.join(timeout=5)
        raise _death_error(proc.exitcode) from None
    if not isinstance(message, tuple) or not message:
        raise SandboxCrashed("child sent an unexpected message")
    return message


def _death_error(exitcode: int | None) -> SandboxError:
    if exitcode is not None and exitcode < 0:
        sig = -exitcode
        if sig in (signal.SIGXCPU, signal.SIGKILL):
            return SandboxTimeout(f"child killed by signal {signal.Signals(sig).name}")
        return SandboxCrashed(f"child killed by signal {signal.Signals(sig).name}")
    if exitcode == _EXIT_NO_MEMORY:
        return SandboxMemoryExceeded("child ran out of memory")
    return SandboxCrashed(f"child exited with status {exitcode} without a result")


def _unpack(message: tuple[Any, ...]) -> Any:
    kind = message[0]
    if kind == "ok":
        return message[1]
    if kind == "memory":
        raise SandboxMemoryExceeded("memory limit exceeded")
    if kind == "error":
        exc = message[1]
        # Only ordinary exceptions cross over: a child's SystemExit or KeyboardInterrupt must
        # not stop the parent.
        if isinstance(exc, Exception):
            raise exc
        raise SandboxCrashed(str(message[2]))
    raise SandboxCrashed(f"child sent an unknown message kind {kind!r}")
