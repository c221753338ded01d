#!/usr/bin/env python3
"""fdatasync latency of the disk under a directory: what a group commit's fsync costs on this machine.

Every acknowledged ingest waits for one fsync of the write-ahead log (SQLite, synchronous=FULL) or of PostgreSQL's
WAL, so the disk's slowest fsyncs are a floor under ingest's tail latency that no software change removes
(docs/performance.md, "Sustained load"). Appends SIZE bytes and syncs, again and again for SECONDS, and prints the
percentiles of the sync alone and how many took over 20 ms. With --mib-per-s it paces its appends to that rate, a
background writer to run beside a benchmark (as a merge on another file of the same disk would write):
    python3 scripts/bench/fsync_latency.py --dir /var/lib/rampart --size 262144 --seconds 10
    python3 scripts/bench/fsync_latency.py --mib-per-s 50 --seconds 25
"""
import argparse
import os
import tempfile
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", default=tempfile.gettempdir(), help="a directory on the disk to measure")
    parser.add_argument("--size", type=int, default=262_144, help="bytes appended before each sync")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--mib-per-s", type=float, default=None, help="pace the appends to this many MiB/s")
    args = parser.parse_args()
    block = os.urandom(args.size)
    fd, path = tempfile.mkstemp(dir=args.dir, prefix="fsync-latency-")
    latencies = []
    try:
        begin = time.monotonic()
        end = begin + args.seconds
        written = 0
        while time.monotonic() < end:
            if args.mib_per_s:
                due = begin + written / (args.mib_per_s * 1024 * 1024)
                time.sleep(max(0.0, due - time.monotonic()))
            os.write(fd, block)
            written += len(block)
            start = time.perf_counter()
            os.fdatasync(fd)
            latencies.append(time.perf_counter() - start)
    finally:
        os.close(fd)
        os.unlink(path)
    latencies.sort()
    n = len(latencies)

    def pct(p):
        return latencies[min(n - 1, int(p / 100 * n))] * 1000

    print("%.1f MiB/s; " % (written / (1024 * 1024) / (time.monotonic() - begin)), end="")
    print("%d B appends in %s: %d syncs, p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms; over 20 ms: %d"
          % (args.size, args.dir, n, pct(50), pct(99), pct(99.9), latencies[-1] * 1000,
             sum(1 for x in latencies if x > 0.02)))


if __name__ == "__main__":
    main()
