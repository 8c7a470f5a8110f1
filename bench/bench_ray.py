"""Ray: 200 seed-sized documents, zh-CN + zh-HK, `-j 2` local pool vs `--executor ray` on a
local Ray instance of 2 CPUs (its start-up included), end to end through the CLI.

Peak memory is the largest sum of resident memory over the build's whole process tree (the
CLI, its pool workers, or Ray's raylet, GCS and workers), sampled every 0.1 s; pages shared
between forked workers are counted once per process, so the sums overstate both a little.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_4bb12e1a55d9fe7f.txt"
DOCUMENTS = int(os.environ.get("BENCH_RAY_DOCUMENTS", "200"))
RUNNING = "Ray, running local instance of 2 CPUs"
CONTENDERS = {
    "local pool, -j 2": ["-j", "2"],
    "Ray, local instance of 2 CPUs": ["-j", "2", "--executor", "ray"],
    # `ray start --head` once, before the timing, as a corpus job on a cluster would find it;
    # each run still connects, starts its job's workers and disconnects.
    RUNNING: ["-j", "2", "--executor", "ray", "--ray-address", "{address}"],
}
RAY_PORT = int(os.environ.get("BENCH_RAY_PORT", "6391"))


def _ray(*args: str) -> None:
    ray = Path(sys.executable).with_name("ray")
    subprocess.run([str(ray), *args], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)  # fmt: skip


def _corpus(folder: Path, count: int) -> Path:
    """``count`` different seed-sized documents (one sentence differs in each)."""
    folder.mkdir(parents=True)
    lines = SEED.read_text(encoding="utf-8").split("\n")
    for index in range(count):
        body = lines[:2] + [f"第{index}号通报。"] + lines[2:]
        (folder / f"doc{index:04d}.txt").write_text("\n".join(body), encoding="utf-8")
    return folder


def _tree(root: int) -> dict[int, tuple[int, float]]:
    """``root`` and all its descendants: pid -> (resident KiB, CPU seconds so far)."""
    children: dict[int, list[int]] = {}
    usage: dict[int, tuple[int, float]] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        pid = int(entry.name)
        children.setdefault(int(fields.get("PPid", "0").strip()), []).append(pid)
        rss = int(fields.get("VmRSS", "0 kB").split()[0])
        usage[pid] = (rss, (int(stat[11]) + int(stat[12])) / tick)
    found: dict[int, tuple[int, float]] = {}
    stack = [root]
    while stack:
        pid = stack.pop()
        if pid in usage:
            found[pid] = usage[pid]
        stack.extend(children.get(pid, []))
    return found


def _run_once(corpus: Path, out: Path, extra: list[str]) -> dict:
    command = [sys.executable, "-m", "exporter", "-q", "build", str(corpus), "--out", str(out),
               "--lang", "zh-CN,zh-HK", *extra]  # fmt: skip
    # No inherited $RAY_ADDRESS: "local instance" rows start their own. Ray 2.60's
    # `ray start` enables token authentication, which a client must be told to use.
    env = {**os.environ, "RAY_ADDRESS": "", "RAY_AUTH_MODE": "token"}
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    peak = 0
    finished = threading.Event()

    cpu: dict[int, float] = {}  # every process of the build, its CPU time when last seen

    def sample() -> None:
        nonlocal peak
        while not finished.is_set():
            tree = _tree(proc.pid)
            peak = max(peak, sum(rss for rss, _ in tree.values()))
            for pid, (_, seconds) in tree.items():
                cpu[pid] = max(cpu.get(pid, 0.0), seconds)
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    seconds = time.perf_counter() - start
    finished.set()
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(extra)} exited {proc.returncode}: {stderr.decode()[-500:]}")
    written = len(stdout.splitlines())
    if written != 4 * len(list(corpus.iterdir())):
        raise RuntimeError(f"{' '.join(extra)} wrote {written} files")
    return {
        "seconds": seconds,
        "peak_rss_mb": peak / 1024,
        "driver_cpu": cpu.get(proc.pid, 0.0),
        "cpu": sum(cpu.values()),
    }


def run(rounds: int = 3) -> list[dict]:
    rounds = max(1, min(rounds, int(os.environ.get("BENCH_RAY_ROUNDS", "2"))))
    work = Path(tempfile.mkdtemp(prefix="bench-ray-"))
    corpus = _corpus(work / "in", DOCUMENTS)
    samples: dict[str, list[dict]] = {name: [] for name in CONTENDERS}
    address = f"127.0.0.1:{RAY_PORT}"
    contenders = {n: [a.format(address=address) for a in args] for n, args in CONTENDERS.items()}
    os.environ["RAY_AUTH_MODE"] = "token"
    _ray("start", "--head", f"--port={RAY_PORT}", "--num-cpus=2", "--include-dashboard=false",
         "--disable-usage-stats")  # fmt: skip
    try:
        _rounds(rounds, corpus, work, contenders, samples)
    finally:
        _ray("stop")
    rows = []
    base = statistics.median(s["seconds"] for s in samples[next(iter(CONTENDERS))])
    for name in CONTENDERS:
        seconds = statistics.median(s["seconds"] for s in samples[name])
        outside = (
            " (the running instance's own processes are not counted)" if name == RUNNING else ""
        )
        rows.append({
            "bench": "ray",
            "contender": f"{name} ({DOCUMENTS} documents)",
            "seconds": seconds,
            "ratio": seconds / base,
            "peak_rss_mb": max(s["peak_rss_mb"] for s in samples[name]),
            "note": f"{DOCUMENTS / seconds:.2f} documents/s; CPU time of all its processes"
            f"{outside} {statistics.median(s['cpu'] for s in samples[name]):.1f} s, of the driver "
            f"{statistics.median(s['driver_cpu'] for s in samples[name]):.1f} s; "
            f"{rounds} round(s)",
        })  # fmt: skip
    return rows


def _rounds(
    rounds: int, corpus: Path, work: Path, contenders: dict[str, list[str]],
    samples: dict[str, list[dict]],
) -> None:  # fmt: skip
    for round_ in range(rounds):
        # Alternate the order, so neither always runs on a warmer page cache.
        order = list(CONTENDERS) if round_ % 2 == 0 else list(reversed(CONTENDERS))
        for name in order:
            out = work / f"out-{round_}-{list(CONTENDERS).index(name)}"
            samples[name].append(_run_once(corpus, out, contenders[name]))
            last = samples[name][-1]
            print(f"  {name}: {last['seconds']:.1f} s, CPU {last['cpu']:.1f} s",
                  file=sys.stderr, flush=True)  # fmt: skip


if __name__ == "__main__":
    for row in run():
        print(row)
