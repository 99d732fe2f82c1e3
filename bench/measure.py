#!/usr/bin/env python3
"""Runs one benchmark executable and records its wall time and peak RSS.

    measure.py RESULT_JSON -- EXECUTABLE [ARGS...]

The benchmark's stdout and stderr pass through. RESULT_JSON gets
{"wall_s": ..., "peak_rss_mb": ...}: the peak resident set of the largest process of the
benchmark's tree (the benchmark itself, or a server it started), from getrusage. Exits with
the benchmark's status.
"""
import json
import resource
import subprocess
import sys
import time


def main() -> int:
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        print(__doc__.strip(), file=sys.stderr)
        return 2
    result, argv = sys.argv[1], sys.argv[3:]
    start = time.monotonic()
    status = subprocess.call(argv)
    wall = time.monotonic() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with open(result, "w") as f:
        json.dump({"wall_s": round(wall, 2), "peak_rss_mb": round(peak_kb / 1024, 1)}, f)
    return status


if __name__ == "__main__":
    sys.exit(main())
