"""The bare baselines: what loading the same CSV costs with no checking at all.

Run as `python -m benchmarks.baseline sqlite FILE DATABASE` or `... postgres FILE URL`.
"""

from __future__ import annotations

import csv
import sqlite3
import sys
import time

COLUMNS = (
    "reference TEXT PRIMARY KEY, authority TEXT, received TEXT, category TEXT, subcategory TEXT, "
    "decided TEXT, outcome TEXT, satisfactory_remedy TEXT, summary TEXT, publish TEXT, "
    "complainant TEXT"
)


def sqlite_baseline(path: str, database: str) -> float:
    """Python's csv reader and executemany, in one transaction, into a table of the same columns."""
    started = time.perf_counter()
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(f"CREATE TABLE cases ({COLUMNS})")
    with open(path, newline="", encoding="utf-8") as handle, connection:
        rows = csv.reader(handle)
        next(rows)
        connection.executemany(f"INSERT INTO cases VALUES ({', '.join('?' * 11)})", rows)
    connection.close()
    return time.perf_counter() - started


def postgres_baseline(path: str, url: str) -> float:
    """PostgreSQL's own COPY of the CSV file into a table of the same columns."""
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(url.replace("+psycopg", "")) as connection:
        connection.execute("DROP TABLE IF EXISTS baseline_cases")
        connection.execute(f"CREATE TABLE baseline_cases ({COLUMNS})")
        with (
            connection.cursor() as cursor,
            cursor.copy("COPY baseline_cases FROM STDIN (FORMAT csv, HEADER true)") as copy,
            open(path, "rb") as handle,
        ):
            while block := handle.read(1 << 20):
                copy.write(block)
        connection.commit()
    return time.perf_counter() - started


if __name__ == "__main__":
    kind, file, target = sys.argv[1:4]
    seconds = sqlite_baseline(file, target) if kind == "sqlite" else postgres_baseline(file, target)
    print(f"{seconds:.3f}")
