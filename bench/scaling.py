#!/usr/bin/env python3
"""How exhaustive checking scales with the number of nodes.

For several protocols and N = 3, 4, 5, ... this runs
  faultline check NAME --nodes N --json --seconds S --memory-mb M [reduction]
and prints states, transitions, search time, states per second, peak RSS and
RSS bytes per state, without reductions and with each reduction the binary
offers (--symmetry, --por, both, --prune-stale, with --symmetry too, and
--threads 2; --reductions picks some of these columns). A reduction whose flag
`faultline --help` (or `faultline check --help`) does not list is skipped with
a printed note, so the script works before and after those land.

Every run is capped (--seconds, --memory-mb); a capped run prints "bounds
exhausted" and what stopped it, never figures as if it were complete, and the
larger N of the same protocol and reduction are then skipped. With the
defaults (30 s, 2048 MB per run) the whole table takes about four minutes per
reduction column. The last column, visited-set bytes per state, is printed
when the JSON summary reports "visited_bytes" ("-" otherwise). Figures are measured by this
run; nothing is hard-coded.

Usage: bench/scaling.py [--faultline PATH] [--seconds S] [--memory-mb M]
                        [--protocols chang-roberts:3-10,raft:3-5,...]
                        [--reductions none,prune-stale,...] [--states N]
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_PROTOCOLS = ("chang-roberts:3-10,two-phase-commit:2-5,two-phase-spec:3-8,"
                     "paxos:2-5,raft:2-5,reliable-broadcast:2-5")
# (column name, extra arguments, flags the help text must list)
REDUCTIONS = [
    ("none", [], []),
    ("symmetry", ["--symmetry"], ["--symmetry"]),
    ("por", ["--por"], ["--por"]),
    ("symmetry+por", ["--symmetry", "--por"], ["--symmetry", "--por"]),
    ("prune-stale", ["--prune-stale"], ["--prune-stale"]),
    ("symmetry+prune-stale", ["--symmetry", "--prune-stale"],
     ["--symmetry", "--prune-stale"]),
    ("threads=2", ["--threads", "2"], ["--threads"]),
]


def help_text(binary):
    text = ""
    for args in (["--help"], ["check", "--help"]):
        done = subprocess.run([binary] + args, capture_output=True, text=True)
        text += done.stdout + done.stderr
    return text


def listed(flag, text):
    return re.search(re.escape(flag) + r"\b", text) is not None


def run(binary, name, n, extra, args):
    """One capped check; returns a dict of figures or of what went wrong."""
    cmd = ["/usr/bin/time", "-f", "RSS_KB=%M CPU_S=%U+%S", binary, "check", name,
           "--nodes", str(n), "--json", "--seconds", str(args.seconds),
           "--memory-mb", str(args.memory_mb)] + extra
    if args.states:
        cmd += ["--states", str(args.states)]
    with tempfile.TemporaryDirectory() as tmp:  # traces of violations go here
        try:
            done = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True,
                                  timeout=args.seconds + 60)
        except subprocess.TimeoutExpired:
            return {"capped": "killed: no answer within the cap + 60 s"}
    if done.returncode == 2:
        lines = [l for l in done.stderr.splitlines() if l.startswith("faultline:")]
        return {"error": lines[-1] if lines else "exit 2"}
    summary = [l for l in done.stdout.splitlines() if l.startswith("{")]
    if not summary:
        return {"error": f"exit {done.returncode}, no JSON summary"}
    j = json.loads(summary[-1])
    m = re.findall(r"RSS_KB=(\d+) CPU_S=([\d.]+)\+([\d.]+)", done.stderr)
    j["rss"] = int(m[-1][0]) * 1024 if m else None
    j["cpu"] = float(m[-1][1]) + float(m[-1][2]) if m else None
    if j["stop"] not in ("complete", "violation"):
        j["capped"] = j["stop"]
    return j


def cells(r):
    if "error" in r:
        return f"| not run: {r['error']} | | | | | | | | |"
    if "capped" in r:
        seen = f" after {r['states']:,} states" if "states" in r else ""
        return f"| bounds exhausted ({r['capped']}{seen}) | | | | | | | | |"
    # Per CPU second (user + system, GNU time, 10 ms steps): a loaded machine
    # does not inflate it as it does the wall-clock search time.
    rate = f"{r['states'] / r['cpu']:,.0f}" if r.get("cpu") else "< 10 ms"
    rss_mb = f"{r['rss'] / 2**20:,.0f}" if r["rss"] else "?"
    per_state = f"{r['rss'] / r['states']:,.0f}" if r["rss"] else "?"
    visited = (f"{r['visited_bytes'] / r['states']:,.1f}"
               if r.get("visited_bytes") else "-")
    return (f"| {r['verdict']} | {r['states']:,} | {r['transitions']:,} | "
            f"{r['seconds']:.2f} | {r['cpu']:.2f} | {rate} | {rss_mb} | "
            f"{per_state} | "
            f"{visited} |")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--faultline", default=os.path.join(ROOT, "build", "faultline"))
    p.add_argument("--protocols", default=DEFAULT_PROTOCOLS,
                   help="comma list of NAME:FROM-TO (values of --nodes)")
    p.add_argument("--seconds", type=float, default=30, help="cap per run")
    p.add_argument("--memory-mb", type=int, default=2048, help="cap per run")
    p.add_argument("--states", type=int, default=None,
                   help="states bound per run (default: the entry's own)")
    p.add_argument("--reductions", default=None,
                   help="comma list of columns (default: all): "
                        + ",".join(r[0] for r in REDUCTIONS))
    args = p.parse_args()
    known = [r[0] for r in REDUCTIONS]
    wanted = args.reductions.split(",") if args.reductions else known
    for w in wanted:
        if w not in known:
            sys.exit(f"scaling: unknown reduction '{w}'; known: {', '.join(known)}")
    if not os.access(args.faultline, os.X_OK):
        sys.exit(f"scaling: no faultline binary at {args.faultline}")
    if not os.path.exists("/usr/bin/time"):
        sys.exit("scaling: /usr/bin/time is missing (Debian package time)")
    text = help_text(args.faultline)
    reductions = []
    for column, extra, flags in REDUCTIONS:
        if column not in wanted:
            continue
        missing = [f for f in flags if not listed(f, text)]
        if missing:
            print(f"note: skipping '{column}': faultline --help does not list "
                  f"{', '.join(missing)} yet")
        else:
            reductions.append((column, extra))
    load = open("/proc/loadavg").read().split()[:3]
    states = f", {args.states} states" if args.states else ""
    print(f"caps {args.seconds:g} s and {args.memory_mb} MB{states} per run; load "
          f"average {' '.join(load)}; {os.cpu_count()} cores; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    for item in args.protocols.split(","):
        m = re.fullmatch(r"([\w:-]+):(\d+)-(\d+)", item)
        if not m:
            sys.exit(f"scaling: bad protocol item '{item}': expected NAME:FROM-TO")
        name, lo, hi = m.group(1), int(m.group(2)), int(m.group(3))
        print(f"\n{name} (--nodes N)")
        print("| N | reduction | verdict | states | transitions | search s "
              "(wall) | CPU s | states per CPU s | peak RSS MiB | RSS B/state | "
              "visited-set B/state |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for column, extra in reductions:
            capped_at = None
            for n in range(lo, hi + 1):
                if capped_at is not None:
                    print(f"| {n} | {column} | skipped: N={capped_at} already "
                          f"hit a bound | | | | | | | | |")
                    continue
                r = run(args.faultline, name, n, extra, args)
                print(f"| {n} | {column} {cells(r)}")
                sys.stdout.flush()
                if "capped" in r:
                    capped_at = n
    load = open("/proc/loadavg").read().split()[:3]
    print(f"\nload average at the end {' '.join(load)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
