#!/usr/bin/env python3
"""Turn the timed runs of scripts/bench into a markdown report, plot data, or a guard verdict.

  report.py report WORK OUT.md PLOTDIR   (PLOTDIR '' for no plot data)
  report.py guard  WORK BASELINE.json UPDATE(0|1)

WORK holds runs.tsv (tool, round, microseconds, peak RSS KiB, ok|fail), meta.env (key=value) and
notes.tsv (tool, why it failed its check).
"""
import json
import os
import statistics
import sys

SECTIONS = [
    ("load", "Load: a snapshot of the whole table to /dev/null", [
        ("load/dumpr", "`dumpr load`"),
        ("load/dumpr-jobs2", "`dumpr load --jobs 2` (two connections, one snapshot)"),
        ("load/mariadb", "`mariadb --quick --batch` SELECT * (the server's floor)"),
        ("load/node", "node `mariadb` connector, queryStream → JSON"),
    ]),
    ("tail", "Tail: the binlog of the inserts, from a server, to /dev/null", [
        ("tail/dumpr", "`dumpr tail --from-position … --until-end`"),
        ("tail/mariadb-binlog", "`mariadb-binlog --read-from-remote-server -v --base64-output=decode-rows`"),
        ("tail/zongji", "node ZongJi (`@vlasky/zongji`) → JSON tuples"),
        ("tail/raw", "`mariadb-binlog --read-from-remote-server --raw` (network floor, no decoding)"),
    ]),
    ("offline", "Offline: the same binlog file(s), local, to /dev/null", [
        ("offline/dumpr", "`dumpr tail --binlog-file`"),
        ("offline/mariadb-binlog", "`mariadb-binlog -v --base64-output=decode-rows`"),
    ]),
]
PLOT_LABELS = {
    "load/dumpr": "dumpr load", "load/dumpr-jobs2": "dumpr load --jobs 2",
    "load/mariadb": "mariadb client", "load/node": "node mariadb",
    "tail/dumpr": "dumpr tail", "tail/mariadb-binlog": "mariadb-binlog -v", "tail/zongji": "ZongJi",
    "tail/raw": "raw transfer", "offline/dumpr": "dumpr --binlog-file",
    "offline/mariadb-binlog": "mariadb-binlog -v",
}


def read_work(work):
    runs = {}
    with open(os.path.join(work, "runs.tsv")) as f:
        for line in f:
            tool, rnd, us, rss, status = line.rstrip("\n").split("\t")
            runs.setdefault(tool, []).append((int(rnd), int(us) / 1e6, int(rss) / 1024.0, status))
    meta = {}
    with open(os.path.join(work, "meta.env")) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            meta[k] = v
    notes = {}
    path = os.path.join(work, "notes.tsv")
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                tool, _, why = line.rstrip("\n").partition("\t")
                notes[tool] = why
    return runs, meta, notes


def summary(runs, tool):
    ok = [r for r in runs.get(tool, []) if r[3] == "ok"]
    if not ok:
        return None
    return {
        "secs": statistics.median(r[1] for r in ok),
        "rss": max(r[2] for r in ok),
        "n": len(ok),
        "failed_rounds": len(runs.get(tool, [])) - len(ok),
        "all": [r[1] for r in runs[tool]],
    }


def fmt_int(x):
    return f"{x:,.0f}"


def report(work, out_md, plot_dir):
    runs, meta, notes = read_work(work)
    rows = int(meta["rows"])
    lines = []
    w = lines.append
    w("# dumpr benchmark results")
    w("")
    w("Written by `scripts/bench`; rerun it to reproduce (see the header of that script).")
    w("")
    w(f"- date: {meta.get('date')}")
    w(f"- machine: {meta.get('nproc')} cores ({meta.get('cpu')}), {meta.get('mem')}, "
      f"Linux {meta.get('kernel')}")
    w(f"- load average before / after the timed runs: {meta.get('loadavg_start')} / "
      f"{meta.get('loadavg_end')} (other work on the machine shares the cores)")
    w(f"- server: MariaDB {meta.get('server')} (sandbox, TCP on 127.0.0.1); client tools: "
      f"{meta.get('mariadb_client')}")
    w(f"- dumpr: {meta.get('dumpr')}, Release build")
    if "node" in meta:
        w(f"- node {meta.get('node')}, npm `mariadb` {meta.get('npm_mariadb')}, "
          f"`@vlasky/zongji` {meta.get('npm_zongji')}")
    w(f"- workload: {fmt_int(rows)} rows in one mixed-type table (BIGINT id, VARCHAR(32), "
      f"VARCHAR(255), INT, BIGINT, DECIMAL(12,2), DATETIME(3), TEXT, DOUBLE, JSON; some NULLs), "
      f"table data {int(meta.get('table_bytes', 0)) / 2**20:,.0f} MiB; binlog "
      f"{int(meta.get('binlog_bytes', 0)) / 2**20:,.0f} MiB in {meta.get('binlog_files')} file(s), "
      f"written by INSERT … SELECT in 50,000-row transactions")
    w(f"- {meta.get('rounds')} round(s) per tool, interleaved; the table shows the median wall "
      f"time, rows per second from it, the largest peak RSS of the rounds (`/usr/bin/time %M`), "
      f"and the tool's median time divided by dumpr's (above 1: dumpr is faster)")
    w("")
    plot_rows = []
    for key, title, tools in SECTIONS:
        base = summary(runs, tools[0][0])
        w(f"## {title}")
        w("")
        w("| tool | median s | rows/s | peak RSS MiB | time ÷ dumpr's |")
        w("| --- | ---: | ---: | ---: | ---: |")
        for tool, label in tools:
            s = summary(runs, tool)
            if s is None:
                why = notes.get(tool, "not run")
                w(f"| {label} | failed | – | – | – ({why}) |")
                continue
            ratio = "1.00" if tool == tools[0][0] else (
                f"{s['secs'] / base['secs']:.2f}" if base else "–")
            extra = f" ({s['failed_rounds']} round(s) failed)" if s["failed_rounds"] else ""
            w(f"| {label}{extra} | {s['secs']:.3f} | {fmt_int(rows / s['secs'])} | "
              f"{s['rss']:.1f} | {ratio} |")
            plot_rows.append((key, PLOT_LABELS[tool], rows / s["secs"], s["rss"]))
        w("")
    w("## Targets (issue 6)")
    w("")
    w("| target | measured | met |")
    w("| --- | --- | --- |")

    def target(name, measured, ok):
        w(f"| {name} | {measured} | {'yes' if ok else '**no**'} |")

    S = {t: summary(runs, t) for _, _, tools in SECTIONS for t, _ in tools}
    d = S["tail/dumpr"]
    if d and S["tail/zongji"]:
        r = S["tail/zongji"]["secs"] / d["secs"]
        target("tail: ≥ 10× ZongJi's rows/s", f"{r:.1f}×", r >= 10)
    else:
        target("tail: ≥ 10× ZongJi's rows/s", "ZongJi did not run", False)
    floor_note = None
    if S["tail/zongji"] and S["tail/raw"]:
        zr = S["tail/zongji"]["secs"] / S["tail/raw"]["secs"]
        if zr < 10:
            floor_note = (f"ZongJi takes {zr:.1f}× the raw transfer time here, so 10× ZongJi's "
                          f"rows/s would mean decoding faster than `mariadb-binlog --raw` merely "
                          f"copies the same binlog: out of reach for any client on this machine.")
    if d and S["tail/mariadb-binlog"]:
        r = S["tail/mariadb-binlog"]["secs"] / d["secs"]
        target("tail: faster than `mariadb-binlog -v` (remote)", f"peer's time {r:.2f}× dumpr's", r > 1)
    if S["offline/dumpr"] and S["offline/mariadb-binlog"]:
        r = S["offline/mariadb-binlog"]["secs"] / S["offline/dumpr"]["secs"]
        target("offline: faster than `mariadb-binlog -v`", f"peer's time {r:.2f}× dumpr's", r > 1)
    if d and S["tail/raw"]:
        r = d["secs"] / S["tail/raw"]["secs"]
        target("tail: within 3× of the raw transfer time", f"{r:.2f}× the raw time", r <= 3)
    if S["load/dumpr"] and S["load/mariadb"]:
        r = S["load/dumpr"]["secs"] / S["load/mariadb"]["secs"]
        target("load: within 1.1× of the mariadb client's SELECT", f"{r:.2f}× its time", r <= 1.1)
    if S["load/dumpr"] and S["load/dumpr-jobs2"]:
        r = S["load/dumpr-jobs2"]["secs"] / S["load/dumpr"]["secs"]
        # A gain beyond the noise of one run: at least 5% less time than one connection.
        target("load --jobs 2: beyond one connection (≤ 0.95×)", f"{r:.2f}× `dumpr load`'s time",
               r <= 0.95)
    for t in ("load/dumpr", "load/dumpr-jobs2", "tail/dumpr", "offline/dumpr"):
        if S[t]:
            target(f"memory: `{t}` peak RSS < 64 MiB at {fmt_int(rows)} rows",
                   f"{S[t]['rss']:.1f} MiB", S[t]["rss"] < 64)
    if floor_note:
        w("")
        w("Note: " + floor_note)
    w("")
    w("<details><summary>Every round (seconds)</summary>")
    w("")
    w("| tool | rounds |")
    w("| --- | --- |")
    for _, _, tools in SECTIONS:
        for tool, _ in tools:
            if tool in runs:
                w(f"| {tool} | " + ", ".join(
                    f"{r[1]:.3f}" + ("" if r[3] == "ok" else " (failed)") for r in runs[tool]) + " |")
    w("")
    w("</details>")
    w("")
    lines.extend(profile_section(os.path.dirname(os.path.abspath(out_md))))
    text = "\n".join(lines)
    if meta.get("flavor") == "mysql":  # the same tool ids; MySQL's own client programs
        for a, b in (("server: MariaDB", "server: MySQL"), ("mariadb-binlog", "mysqlbinlog"),
                     ("`mariadb --quick", "`mysql --quick"), ("mariadb client", "mysql client")):
            text = text.replace(a, b)
    with open(out_md, "w") as f:
        f.write(text)
    if plot_dir:
        os.makedirs(plot_dir, exist_ok=True)
        for key, _, _ in SECTIONS:
            with open(os.path.join(plot_dir, f"{key}.dat"), "w") as f:
                for k, label, rps, rss in plot_rows:
                    if k == key:
                        f.write(f'"{label}" {rps:.1f} {rss:.1f}\n')
        with open(os.path.join(plot_dir, "title.txt"), "w") as f:
            f.write(f"dumpr vs peers: {fmt_int(rows)} rows, median of {meta.get('rounds')} rounds, "
                    f"{meta.get('nproc')} cores, {meta.get('date')}")


def profile_section(out_dir):
    """The PROFILE.md that `scripts/bench --profile` wrote beside the results, one heading level
    down, as the report's Profile section (it is from its own run: see its first line)."""
    path = os.path.join(out_dir, "PROFILE.md")
    if not os.path.exists(path):
        return []
    out = ["## Profile", ""]
    with open(path) as f:
        for line in f.read().splitlines():
            if line.startswith("# ") or (not line and out[-1] == ""):
                continue
            out.append("#" + line if line.startswith("#") else line)
    out.append("")
    return out


def guard(work, baseline_path, update):
    runs, meta, _ = read_work(work)
    rows = int(meta["rows"])
    now = {}
    for tool, key in (("load/dumpr", "load_rows_per_s"), ("tail/dumpr", "tail_rows_per_s")):
        s = summary(runs, tool)
        # the fastest round: on a shared machine, interference only ever slows a round down
        now[key] = rows / min(s["all"])
        now[key.replace("rows_per_s", "peak_rss_mib")] = round(s["rss"], 1)
    print(f"guard: {fmt_int(rows)} rows, best of {meta.get('rounds')} rounds: "
          f"load {fmt_int(now['load_rows_per_s'])} rows/s ({now['load_peak_rss_mib']} MiB), "
          f"tail {fmt_int(now['tail_rows_per_s'])} rows/s ({now['tail_peak_rss_mib']} MiB)")
    if update == "1":
        data = {"rows": rows, "rounds": int(meta["rounds"]), "date": meta.get("date"),
                "cpu": meta.get("cpu"), "nproc": meta.get("nproc"), "dumpr": meta.get("dumpr"),
                "load_rows_per_s": round(now["load_rows_per_s"]),
                "tail_rows_per_s": round(now["tail_rows_per_s"]),
                "load_peak_rss_mib": now["load_peak_rss_mib"],
                "tail_peak_rss_mib": now["tail_peak_rss_mib"]}
        os.makedirs(os.path.dirname(baseline_path), exist_ok=True)
        with open(baseline_path, "w") as f:
            json.dump(data, f, indent=2)
            f.write("\n")
        print(f"guard: baseline written to {baseline_path}")
        return
    if not os.path.exists(baseline_path):
        print(f"guard: no baseline at {baseline_path}; write one with scripts/bench --update-baseline")
        return
    with open(baseline_path) as f:
        base = json.load(f)
    if base.get("rows") != rows:
        print(f"guard: note: the baseline was taken at {base.get('rows')} rows, this run {rows}")
    slow = False
    for key, name in (("load_rows_per_s", "load"), ("tail_rows_per_s", "tail")):
        ratio = now[key] / base[key]
        print(f"guard: {name}: {ratio:.2f}x the baseline ({fmt_int(base[key])} rows/s, {base.get('date')})")
        if ratio < 0.8:
            slow = True
            print(f"WARNING: dumpr {name} is at {ratio:.2f}x its baseline rows/s (below 0.8x): "
                  f"a performance regression, or a busy machine; rerun to confirm")
    if not slow:
        print("guard: ok (at or above 0.8x the baseline)")


def main():
    mode = sys.argv[1]
    if mode == "report":
        report(sys.argv[2], sys.argv[3], sys.argv[4])
    elif mode == "profile-section":  # print the Profile section for DIR
        print("\n".join(profile_section(sys.argv[2])))
    elif mode == "guard":
        guard(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(f"report.py: unknown mode {mode}")


if __name__ == "__main__":
    main()
