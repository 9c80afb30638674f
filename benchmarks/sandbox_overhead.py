"""What each way of starting a grading kernel costs: start a kernel, run one cell and shut it
down, for the three ways the grader's KernelLauncher knows, interleaved in one run:
a plain process (--no-sandbox), a bubblewrap process (--no-fork-server, or the fallback) and a
kernel forked from the fork server (the default).

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

from autograder.sandbox.kernels import BWRAP, FORKED, PLAIN, KernelLauncher  # noqa: E402
from autograder.sandbox.policy import Policy, available  # noqa: E402

CODE = "import numpy as np\nx = np.ones(3).sum()"


async def once(launcher: KernelLauncher, cwd: str) -> float:
    start = time.perf_counter()
    km = launcher.kernel_manager("python3")
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
    # the kernel's folder: an assignment folder of the release (what grading gives it)
    cwd = str(Path(__file__).resolve().parent.parent / "notebooks" / "01_gates")
    launchers = {PLAIN: KernelLauncher(Policy(sandbox=False)), BWRAP: KernelLauncher(Policy(fork_server=False)),
                 FORKED: KernelLauncher(Policy())}
    times: dict[str, list[float]] = {way: [] for way in launchers}
    try:
        for _ in range(repeats):
            for way, launcher in launchers.items():
                assert launcher.way() == way, launcher.notes
                times[way].append(await once(launcher, cwd))
    finally:
        for launcher in launchers.values():
            launcher.close()
    print(f"kernel start + one cell (numpy) + shutdown, median of {repeats} interleaved runs")
    plain = statistics.median(times[PLAIN])
    for way, ts in times.items():
        m = statistics.median(ts)
        print(f"  {way:15s} {m:6.3f} s   vs a plain process {m - plain:+6.3f} s per notebook")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=10)
    asyncio.run(main(ap.parse_args().repeats))
