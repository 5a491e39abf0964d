"""A small HTTP/1.1 load generator: keep-alive connections on loopback, bounded in count and time.

Written for the benchmarks so that they need nothing outside the project's own environment. It
runs in its own process (one core) while the server under test has the other.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import asdict, dataclass


@dataclass
class Load:
    """What a run achieved."""

    requests: int
    errors: int
    seconds: float
    per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float


async def _connection(
    host: str,
    port: int,
    paths: list[str],
    deadline: float,
    budget: list[int],
    latencies: list[float],
    errors: list[int],
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    index = 0
    try:
        while budget[0] > 0 and time.perf_counter() < deadline:
            budget[0] -= 1
            path = paths[index % len(paths)]
            index += 1
            started = time.perf_counter()
            writer.write(
                f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: keep-alive\r\n\r\n".encode()
            )
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            chunked = False
            for line in head.split(b"\r\n"):
                lower = line.lower()
                if lower.startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
                elif lower.startswith(b"transfer-encoding:") and b"chunked" in lower:
                    chunked = True
            if chunked:
                while True:
                    size = int((await reader.readuntil(b"\r\n")).strip(), 16)
                    await reader.readexactly(size + 2)
                    if size == 0:
                        break
            else:
                await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                errors[0] += 1
    finally:
        writer.close()


async def _run(
    host: str, port: int, paths: list[str], connections: int, requests: int, seconds: float
) -> Load:
    latencies: list[float] = []
    errors = [0]
    budget = [requests]
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(
        *(
            _connection(host, port, paths, deadline, budget, latencies, errors)
            for _ in range(connections)
        )
    )
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)

    def at(share: float) -> float:
        return (
            round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000, 2)
            if ordered
            else 0.0
        )

    return Load(
        len(ordered),
        errors[0],
        round(elapsed, 2),
        round(len(ordered) / elapsed),
        at(0.5),
        at(0.95),
        at(0.99),
    )


def main() -> None:
    """Run a load from the command line and print its result as JSON (used by the benchmarks)."""
    host, port, connections, requests, seconds = (
        sys.argv[1],
        int(sys.argv[2]),
        int(sys.argv[3]),
        int(sys.argv[4]),
        float(sys.argv[5]),
    )
    paths = [line.strip() for line in sys.stdin if line.strip()]
    result = asyncio.run(_run(host, port, paths, connections, requests, seconds))
    print(json.dumps(asdict(result)))


if __name__ == "__main__":
    main()
