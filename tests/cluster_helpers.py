"""A real Dask cluster on loopback for the tests: one `dask scheduler` and `dask worker` processes,
each in its own process group on a free port, torn down (group and all) whatever the test did."""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

DASK = Path(sys.executable).parent / "dask"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Cluster:
    address: str
    folder: Path
    env: dict
    processes: list[subprocess.Popen] = field(default_factory=list)
    workers: dict[str, subprocess.Popen] = field(default_factory=dict)  # name -> process

    def start_worker(self, name: str) -> subprocess.Popen:
        """A `dask worker` without a nanny (so a killed worker stays dead), one task at a time."""
        log = open(self.folder / f"{name}.log", "wb")
        env = {**self.env, "MICROLEARN_WORKER_CACHE": str(self.folder / f"{name}-inputs")}
        process = subprocess.Popen([str(DASK), "worker", self.address, "--name", name, "--nthreads", "1",
                                    "--no-nanny", "--no-dashboard", "--host", "127.0.0.1",
                                    "--local-directory", str(self.folder / name)],
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
                                   cwd=self.folder, start_new_session=True)
        log.close()
        self.processes.append(process)
        self.workers[name] = process
        return process

    def wait_for_workers(self, count: int, timeout: float = 90) -> None:
        from distributed import Client

        with Client(self.address, timeout=timeout, set_as_default=False) as client:
            client.wait_for_workers(count, timeout=timeout)

    def kill(self, name: str) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.workers[name].pid, signal.SIGKILL)
        self.workers[name].wait(10)

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextlib.contextmanager
def dask_cluster(folder: Path, workers: int = 2, env: dict | None = None):
    """A scheduler and ``workers`` workers on 127.0.0.1; yields the Cluster."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {**os.environ, **(env or {}), "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    cluster = Cluster(f"tcp://127.0.0.1:{port}", folder, env)
    log = open(folder / "scheduler.log", "wb")
    try:
        cluster.processes.append(subprocess.Popen(
            [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env, cwd=folder, start_new_session=True))
        log.close()
        for index in range(workers):
            cluster.start_worker(f"worker-{index + 1}")
        try:
            cluster.wait_for_workers(workers)
        except Exception as exc:
            raise AssertionError(f"the cluster did not start ({exc}):\n{cluster.log('scheduler')}\n"
                                 + "\n".join(cluster.log(name) for name in cluster.workers)) from None
        yield cluster
    finally:
        log.close()
        for process in reversed(cluster.processes):  # workers first (they keep nothing), then the scheduler
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM if process is cluster.processes[0] else signal.SIGKILL)
        deadline = time.monotonic() + 10
        for process in cluster.processes:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
