"""Sandbox overhead per notebook: time to start a kernel, run one cell and shut it down,
plain vs sandboxed (bubblewrap), interleaved in one run; once with kernels started as fresh
processes (jupyter_client's AsyncKernelManager vs SandboxedKernelManager) and once forked from a
fork server (as grading workers do: autograder/zygote.py, without and with the sandbox).

    .venv/bin/python benchmarks/sandbox_overhead.py [--repeats 10]
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jupyter_client.manager import AsyncKernelManager  # noqa: E402

from autograder.sandbox import ForkingKernelManager, ForkServer, SandboxedKernelManager, available  # noqa: E402

CODE = "import numpy as np\nx = np.ones(3).sum()"


async def once(km_class, cwd: str) -> float:
    start = time.perf_counter()
    km = km_class(kernel_name="python3")
    await km.start_kernel(extra_arguments=["--IPKernelApp.log_level=ERROR"], cwd=cwd)
    kc = km.client()
    kc.start_channels()
    await kc.wait_for_ready(timeout=60)
    reply = await kc.execute_interactive(CODE, timeout=60)
    assert reply["content"]["status"] == "ok", reply["content"]
    kc.stop_channels()
    await km.shutdown_kernel(now=True)
    return time.perf_counter() - start


async def main(repeats: int) -> None:
    if available() is not None:
        print(f"sandbox unavailable: {available()}")
        return
    plain, boxed = [], []
    # the kernel's folder: an assignment folder of the release (what grading gives it)
    cwd = str(Path(__file__).resolve().parent.parent / "notebooks" / "01_gates")
    for _ in range(repeats):
        plain.append(await once(AsyncKernelManager, cwd))
        boxed.append(await once(SandboxedKernelManager, cwd))
    servers = {False: ForkServer(sandbox=False), True: ForkServer(sandbox=True)}
    fplain, fboxed = [], []
    try:
        for _ in range(repeats):
            ForkServer.current = servers[False]
            fplain.append(await once(ForkingKernelManager, cwd))
            ForkServer.current = servers[True]
            fboxed.append(await once(SandboxedKernelManager, cwd))
    finally:
        ForkServer.current = None
        for srv in servers.values():
            srv.close()
    assert all(srv.spawned == repeats for srv in servers.values()), "a kernel was not forked"
    print(f"kernel start + one cell (numpy) + shutdown, median of {repeats} interleaved runs")
    for label, a, b in [("fresh processes", plain, boxed), ("forked (fork server)", fplain, fboxed)]:
        p, q = statistics.median(a), statistics.median(b)
        print(f"  {label:21s} plain {p:6.3f} s   sandboxed {q:6.3f} s   overhead {q - p:+6.3f} s per notebook")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=10)
    asyncio.run(main(ap.parse_args().repeats))
