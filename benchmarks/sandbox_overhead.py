"""Sandbox overhead per notebook: time to start a kernel, run one cell and shut it down,
plain (jupyter_client's AsyncKernelManager) vs sandboxed (bubblewrap), interleaved in one run.

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

from autograder.sandbox import SandboxedKernelManager, available  # noqa: E402

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
    p, b = statistics.median(plain), statistics.median(boxed)
    print(f"kernel start + one cell + shutdown, median of {repeats} interleaved runs")
    print(f"  plain kernel:     {p:6.3f} s")
    print(f"  sandboxed kernel: {b:6.3f} s")
    print(f"  overhead:         {b - p:+6.3f} s per notebook ({b / p:.2f}x)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=10)
    asyncio.run(main(ap.parse_args().repeats))
