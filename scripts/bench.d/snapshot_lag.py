#!/usr/bin/env python3
"""scripts/bench --snapshot: the stream's lag while tail --snapshot runs.

Reads dumpr-format lines of the probe table (bench.lag_probe: id, t DATETIME(6) = NOW(6) in UTC
when the writer inserted it) from stdin as they arrive, and prints, at the end, one line:
`probes=N max=S avg=S p50=S p99=S` (seconds from the probe's insert to its line reaching here).
"""
import datetime
import json
import sys
import time

lags = []
for line in sys.stdin:
    now = time.time()
    try:
        tup = json.loads(line)
    except ValueError:
        continue
    if tup[0] != "upsert" or not isinstance(tup[3], dict) or "t" not in tup[3]:
        continue
    t = datetime.datetime.fromisoformat(tup[3]["t"]).replace(tzinfo=datetime.timezone.utc)
    lags.append(max(0.0, now - t.timestamp()))
if not lags:
    print("probes=0 max=0 avg=0 p50=0 p99=0")
    sys.exit(0)
lags.sort()
n = len(lags)
print("probes=%d max=%.3f avg=%.3f p50=%.3f p99=%.3f"
      % (n, lags[-1], sum(lags) / n, lags[n // 2], lags[min(n - 1, (n * 99) // 100)]))
