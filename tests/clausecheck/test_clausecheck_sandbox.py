"""portal.sandbox.run_limited: results, errors, time and memory limits, overhead."""

from __future__ import annotations

import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from portal.sandbox import (
    SandboxCrashed,
    SandboxMemoryExceeded,
    SandboxTimeout,
    run_limited,
)
from tests.clausecheck import sandbox_targets as t


def test_result_of_the_function_is_returned() -> None:
    assert run_limited(t.add, 2, 3) == 5


def test_function_runs_in_another_process() -> None:
    assert run_limited(t.child_pid) != os.getpid()


def test_picklable_exception_is_reraised_in_the_parent() -> None:
    with pytest.raises(ValueError, match="bad input"):
        run_limited(t.raise_value_error, "bad input")


def test_unpicklable_exception_becomes_sandbox_crashed_with_its_text() -> None:
    with pytest.raises(SandboxCrashed, match="NotPicklableError"):
        run_limited(t.raise_unpicklable)


def test_unpicklable_result_becomes_sandbox_crashed() -> None:
    with pytest.raises(SandboxCrashed, match="not transferable"):
        run_limited(t.return_unpicklable)


def test_sleeping_child_is_killed_at_the_wall_clock_timeout() -> None:
    start = time.monotonic()

    with pytest.raises(SandboxTimeout):
        run_limited(t.sleep_for, 30, timeout_s=0.5)

    assert time.monotonic() - start < 5


def test_busy_child_is_stopped_by_the_timeout() -> None:
    start = time.monotonic()

    with pytest.raises(SandboxTimeout):
        run_limited(t.spin_forever, timeout_s=1)

    assert time.monotonic() - start < 6


def test_child_exceeding_the_memory_limit_raises_memory_exceeded() -> None:
    with pytest.raises(SandboxMemoryExceeded):
        run_limited(t.allocate_mb, 600, memory_mb=256)


def test_same_allocation_succeeds_under_a_larger_limit() -> None:
    assert run_limited(t.allocate_mb, 100, memory_mb=1024) == 100


def test_hard_crash_of_the_child_is_reported_not_propagated() -> None:
    with pytest.raises(SandboxCrashed, match="SIGABRT"):
        run_limited(t.abort)


def test_sys_exit_in_the_child_does_not_exit_the_parent() -> None:
    with pytest.raises(SandboxCrashed, match="SystemExit"):
        run_limited(t.exit_child)


def test_lambda_is_refused_because_the_child_cannot_import_it() -> None:
    with pytest.raises(TypeError, match="module-level"):
        run_limited(lambda: 1)


def test_calls_from_several_threads_each_get_their_own_result() -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda n: run_limited(t.add, n, n), range(8)))

    assert results == [n * 2 for n in range(8)]


def test_per_call_overhead_is_small() -> None:
    run_limited(t.add, 0, 0)  # the fork server is started once
    timings = []
    for _ in range(10):
        start = time.perf_counter()
        run_limited(t.add, 1, 1)
        timings.append(time.perf_counter() - start)

    assert statistics.median(timings) < 0.1
