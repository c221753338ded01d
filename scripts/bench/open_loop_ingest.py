#!/usr/bin/env python3
"""Open-loop load on POST /v1/events: batches of 500 new events sent on a fixed schedule (issue 12, "Sustained load").

wrk sends a connection's next request only when its last one is answered, so a pause in the server delays the
requests that would have been sent meanwhile and they are never timed ("coordinated omission"). Here request k is
due at start + k / rate whatever happened before it, and its latency runs from that due time to its answer, so a
pause counts in full for every request due during it. Requests go out on a pool of keep-alive connections; a due
request that finds every connection busy waits in line (that wait is part of its latency) unless the pool can grow.

Prints the rate reached, the latency percentiles and the answers that were not 200, and exits 1 if any request
failed; with --timeline, also each quarter second's requests (by due time) with their median and largest latency,
to set beside the server's `rampart_store_write_seconds` (what the database writer was doing meanwhile). Usage (a server already running; scripts/bench-http-ingest.sh starts one with RATE set):
    RAMPART_SDK_KEY=… python3 scripts/bench/open_loop_ingest.py --url http://127.0.0.1:8182 --rate 100000 --seconds 30
"""
import argparse
import asyncio
import os
import random
import sys
import time

BATCH = 500


def template():
    """The batch body with 'RRRRRRRR-RRRR' where each uuid's random head goes (as scripts/bench/events.lua)."""
    parts = []
    for i in range(1, BATCH + 1):
        if i % 5 == 0:
            parts.append('{"uuid":"RRRRRRRR-RRRR-4000-8000-%012x","event":"support_ticket_resolved","unit":"user-%d",'
                         '"timestamp":"2026-06-01T10:00:00Z"}' % (i, i))
        else:
            parts.append('{"uuid":"RRRRRRRR-RRRR-4000-8000-%012x","event":"llm_request_completed","unit":"user-%d",'
                         '"timestamp":"2026-06-01T10:00:00Z","properties":{"latency_ms":%d,"input_tokens":812,'
                         '"output_tokens":304,"estimated_cost_usd":0.00041,"model":"gpt-4.1-mini",'
                         '"prompt_version_id":"pv_2026_06_04_003","status":"success","trace_id":"t-%d"}}'
                         % (i, i, 400 + i, i))
    return ("[" + ",".join(parts) + "]").split("RRRRRRRR-RRRR")


def body(pieces, rng):
    """One batch: the template with a new random head in every uuid (48 random bits, as a v4 client's)."""
    heads = rng.randbytes(6 * (len(pieces) - 1)).hex()
    out = [pieces[0]]
    for i, piece in enumerate(pieces[1:]):
        out.append(heads[12 * i:12 * i + 8] + "-" + heads[12 * i + 8:12 * i + 12])
        out.append(piece)
    return "".join(out).encode()


class Connection:
    def __init__(self, host, port):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def post(self, path, headers, payload):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n%s\r\n" % (path, self.host, len(payload), headers)
        self.writer.write(head.encode() + payload)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("connection closed")
        status = int(status_line.split()[1])
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        text = await self.reader.readexactly(length) if length else b""
        return status, text


async def run(args):
    host, _, port = args.url.split("://", 1)[1].partition(":")
    port = int(port.split("/")[0] or 80)
    headers = "Authorization: Bearer %s\r\nContent-Type: application/json\r\n" % os.environ["RAMPART_SDK_KEY"]
    pieces = template()
    rng = random.Random(args.seed)
    idle = [Connection(host, port) for _ in range(args.connections)]
    opened = len(idle)
    latencies, failures, examples = [], 0, []
    timeline = []  # (due time from the start, latency) per request
    interval = BATCH / args.rate
    total = int(args.seconds * args.rate / BATCH)
    free = asyncio.Condition()
    tasks = set()
    start = time.perf_counter()

    async def send(due, connection):
        nonlocal failures
        try:
            status, text = await connection.post("/v1/events", headers, body(pieces, rng))
            if status != 200:
                failures += 1
                if len(examples) < 5:
                    examples.append("%d %s" % (status, text[:200]))
        except Exception as error:  # a failed request counts, and its connection is replaced
            failures += 1
            if len(examples) < 5:
                examples.append(repr(error))
            connection = Connection(host, port)
        latencies.append(time.perf_counter() - due)
        timeline.append((due - start, latencies[-1]))
        async with free:
            idle.append(connection)
            free.notify()

    for k in range(total):
        due = start + k * interval
        wait = due - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        async with free:
            if not idle and opened < args.max_connections:
                idle.append(Connection(host, port))
                opened += 1
            while not idle:
                await free.wait()
            connection = idle.pop()
        task = asyncio.create_task(send(due, connection))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    latencies.sort()

    def percentiles(values):
        def pct(p):
            return values[min(len(values) - 1, int(p / 100 * len(values)))] * 1000
        return "p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms" % (
            pct(50), pct(90), pct(99), pct(99.9), values[-1] * 1000)

    ok = len(latencies) - failures
    if args.timeline:
        windows = {}
        for due, latency in timeline:
            windows.setdefault(int(due * 4), []).append(latency)
        for window in sorted(windows):
            values = sorted(windows[window])
            print("due %6.2f s: %3d requests, median %7.1f ms, max %7.1f ms"
                  % (window / 4, len(values), values[len(values) // 2] * 1000, values[-1] * 1000))
    print("open loop: %d requests due at %d events/s over %.1f s; reached %.0f events/s (%d answered 200 × %d events "
          "in %.1f s); connections %d" % (total, args.rate, args.seconds, ok * BATCH / elapsed, ok, BATCH, elapsed, opened))
    print("latency from the due time: " + percentiles(latencies))
    if args.steady_after is not None:
        steady = sorted(latency for due, latency in timeline if due >= args.steady_after)
        if steady:
            print("latency of the %d requests due from %.1f s on: %s" % (len(steady), args.steady_after, percentiles(steady)))
    print("failed: %d" % failures)
    for example in examples:
        print("  " + example)
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8182")
    parser.add_argument("--rate", type=int, default=100_000, help="events per second (batches of 500 due evenly)")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--connections", type=int, default=16, help="keep-alive connections opened at the start")
    parser.add_argument("--max-connections", type=int, default=64, help="the most connections the pool grows to")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeline", action="store_true", help="also print each quarter second's latencies")
    parser.add_argument("--steady-after", type=float, default=None, metavar="SECONDS",
                        help="also print the percentiles of the requests due from SECONDS on (past the start, while "
                             "the connection pool grows)")
    args = parser.parse_args()
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
