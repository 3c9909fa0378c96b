#!/usr/bin/env python3
"""faultline and SPIN side by side on the same instances.

For each (model, N) this runs
  - faultline check NAME --nodes N --json  (BFS, one thread, safety and
    liveness as the entry declares them, so it records the liveness graph),
  - the same with --properties naming the entry's Always properties only:
    the safety properties the Promela model asserts (see each .pml header),
    so both tools check the same property set, and
  - SPIN on the matched Promela model in bench/spin/ (spin -a; pan compiled
    with gcc -O2 -DSAFETY, once with -DNOREDUCE (no partial-order reduction)
    and once without (SPIN's partial-order reduction on)),
and prints states, transitions, search time, CPU time, states per CPU second,
memory per stored state and the ratio of CPU times (SPIN's over each
faultline row's; with no reduction the state counts agree, so it is also the ratio of states
per CPU second). CPU time (user + system, GNU time) rather than wall clock,
so that a loaded machine does not skew the comparison. Every figure is
measured by this run; nothing is hard-coded. A run stopped by a bound (--seconds, --memory-mb, pan's depth or
memory limit) prints "bounds exhausted" instead of its figures.

Memory per state: SPIN's own "total actual memory usage" (hash table, state
store and stack), and for both tools the peak resident set size of the
process (GNU time's %M), divided by the states stored. Peak RSS
includes each program's fixed footprint (a few MB), which dominates on small
instances.

pan's hash table is sized 2^w slots with w = ceil(log2(states)) + 1, the
states being faultline's count for the same instance (SPIN's manual asks for
a table at least as large as the state space); the search stack is -m10000
(raised tenfold if pan reports it too small).

Usage:
  bench/spin_compare.py [--faultline PATH] [--instances cr:5,2pc:3,...]
                        [--seconds S] [--memory-mb M] [--smoke]
--smoke runs the smallest instances and exits 1 unless both tools count the
states the models' notes promise (equal for chang-roberts and two-phase-spec,
one more in SPIN for two-phase-commit: its start step).
"""

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# model key -> (faultline entry, extra faultline options, Promela file, size
# macro, extra SPIN defines, SPIN states minus faultline states when the
# semantics match; see each model's header)
MODELS = {
    "cr": ("chang-roberts", [], "chang_roberts.pml", "N", [], 0),
    "2pc": ("two-phase-commit", [], "two_phase_commit.pml", "P", [], 1),
    # One crash (crash-stop) anywhere: termination then fails (2PC blocks),
    # a liveness verdict reached after the complete search.
    "2pc-crash": ("two-phase-commit", ["--crashes", "1"], "two_phase_commit.pml",
                  "P", ["-DCRASHES=1"], 1),
    "spec": ("two-phase-spec", [], "two_phase_spec.pml", "R", [], 0),
}
DEFAULT_INSTANCES = ("cr:6,cr:8,cr:10,cr:11,2pc:3,2pc:4,2pc-crash:3,2pc-crash:4,"
                     "spec:6,spec:7,spec:8")
SMOKE_INSTANCES = "cr:3,2pc:2,2pc-crash:2,spec:3"


def run_measured(cmd, cwd, timeout_s):
    """Runs cmd under GNU time. Returns None if it was killed at timeout_s,
    else a dict: code, out, err, cpu (user + system seconds of the whole
    process), rss (peak resident bytes).

    Both come from /usr/bin/time (wait4's rusage of its child). Measuring
    them from this script's own wait4 would be wrong: Linux keeps the forking
    process's high-water mark across exec, so every child would report at
    least Python's own RSS."""
    timed = ["/usr/bin/time", "-f", "RSS_KB=%M CPU_S=%U+%S"] + cmd
    try:
        done = subprocess.run(timed, cwd=cwd, capture_output=True, text=True,
                              timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return None
    m = re.findall(r"RSS_KB=(\d+) CPU_S=([\d.]+)\+([\d.]+)", done.stderr)
    if not m:
        sys.exit(f"spin_compare: no figures from /usr/bin/time for {cmd}")
    return {"code": done.returncode, "out": done.stdout, "err": done.stderr,
            "rss": int(m[-1][0]) * 1024,
            "cpu": float(m[-1][1]) + float(m[-1][2])}


def entry_properties(binary, entry, kind):
    """The names of the entry's properties of one kind, in declared order."""
    listing = subprocess.run([binary, "list", "--json"], check=True,
                             capture_output=True, text=True).stdout
    for e in json.loads(listing):
        if e["name"] == entry:
            return [p["name"] for p in e["properties"] if p["kind"] == kind]
    sys.exit(f"spin_compare: faultline has no entry {entry}")


def run_faultline(binary, entry, extra, n, args, properties=None):
    cmd = [binary, "check", entry, "--nodes", str(n), "--json",
           "--seconds", str(args.seconds), "--memory-mb", str(args.memory_mb)]
    cmd += extra
    if properties:
        cmd += ["--properties", ",".join(properties)]
    with tempfile.TemporaryDirectory() as tmp:
        done = run_measured(cmd, tmp, args.seconds + 60)
    if done is None:
        return {"capped": "killed after the wall-clock cap"}
    line = [l for l in done["out"].splitlines() if l.startswith("{")]
    if done["code"] == 2 or not line:
        sys.exit(f"spin_compare: faultline failed on {entry} --nodes {n}: "
                 f"{done['err'].strip().splitlines()[-1:]}")
    j = json.loads(line[-1])
    r = {"states": j["states"], "transitions": j["transitions"],
         "seconds": j["seconds"], "cpu": done["cpu"], "rss": done["rss"],
         "stop": j["stop"]}
    # A liveness violation is decided after the complete search; a safety
    # violation stops it early, like any bound.
    complete = j["stop"] == "complete" or (
        j["stop"] == "violation" and
        j["property"] in entry_properties(binary, entry, "eventually"))
    if not complete:
        r["capped"] = f"stopped by {j['stop']}"
    r["verdict"] = j["verdict"] + (f" ({j['property']})" if j["property"] else "")
    return r


def spin_build(model_file, macro, defines, n, reduce, args, tmp):
    """spin -a and the pan compile; returns the pan path."""
    subprocess.run(["spin", f"-D{macro}={n}"] + defines + ["-a",
                    os.path.join(HERE, "spin", model_file)],
                   cwd=tmp, check=True, capture_output=True, text=True)
    flags = ["-O2", "-w", "-DSAFETY", f"-DMEMLIM={args.memory_mb}"]
    if not reduce:
        flags.append("-DNOREDUCE")
    pan = os.path.join(tmp, "pan_por" if reduce else "pan_full")
    subprocess.run([args.cc] + flags + ["-o", pan, "pan.c"], cwd=tmp,
                   check=True, capture_output=True, text=True)
    return pan


def parse_pan(out):
    def grab(pattern, cast=float):
        m = re.search(pattern, out)
        return cast(m.group(1)) if m else None
    return {
        "states": grab(r"([\d.e+]+) states, stored", lambda s: int(float(s))),
        "transitions": grab(r"([\d.e+]+) transitions \(= stored\+matched\)",
                            lambda s: int(float(s))),
        "memory_mb": grab(r"([\d.]+)\s+total actual memory usage"),
        "seconds": grab(r"pan: elapsed time ([\d.e+-]+) seconds"),
        "errors": grab(r"errors: (\d+)", int),
    }


def run_spin(model_file, macro, defines, n, reduce, fl_states, args, tmp):
    pan = spin_build(model_file, macro, defines, n, reduce, args, tmp)
    w = 18 if not fl_states else min(30, max(10, math.ceil(math.log2(fl_states)) + 1))
    depth = 10000
    while True:
        done = run_measured([pan, f"-m{depth}", f"-w{w}"], tmp, args.seconds)
        if done is None:
            return {"capped": f"killed after {args.seconds:g} s"}
        if "max search depth too small" in done["out"] and depth < 10**7:
            depth *= 10
            continue
        break
    r = parse_pan(done["out"])
    r["rss"] = done["rss"]
    r["cpu"] = done["cpu"]
    if "reached -DMEMLIM bound" in done["out"] or "out of memory" in done["out"]:
        r["capped"] = f"memory bound {args.memory_mb} MB"
    elif r["states"] is None or r["errors"] != 0:
        sys.exit(f"spin_compare: pan failed on {model_file} {macro}={n}:\n"
                 f"{done['out']}")
    return r


def fmt_int(v):
    return f"{v:,}" if v is not None else "?"


def rate(r):
    return r["states"] / r["cpu"] if r.get("cpu") else None


def per_state(nbytes, r):
    return nbytes / r["states"] if nbytes and r.get("states") else None


def ratio(r, fl):
    """SPIN's CPU time over faultline's, or "" when either is missing."""
    if fl is None or "capped" in fl or "capped" in r or not fl["cpu"] or not r["cpu"]:
        return ""
    return f"{r['cpu'] / fl['cpu']:.2f}"


def row(name, r, fl=None, safety=None):
    """A table row. Rates use the process's CPU time (user + system, start-up
    included), which a loaded machine does not inflate; the tool's own search
    time (wall clock) is shown beside it. For SPIN rows the last two cells
    are SPIN's CPU time over each faultline row's (above 1: faultline needed
    less); where the state counts are equal (no reduction) that is also the
    ratio of states per CPU second."""
    if "capped" in r:
        return f"| {name} | bounds exhausted ({r['capped']}) | | | | | | | | |"
    spin_mem = r.get("memory_mb")
    mem = per_state(spin_mem * 1048576, r) if spin_mem else None
    search = f"{r['seconds']:.2f}" if r.get("seconds") is not None else "?"
    # GNU time counts CPU in 10 ms steps: no rate below that.
    speed = f"{rate(r):,.0f}" if rate(r) else "< 10 ms"
    return (f"| {name} | {fmt_int(r['states'])} | {fmt_int(r['transitions'])} | "
            f"{search} | {r['cpu']:.2f} | {speed} | "
            f"{f'{mem:,.0f}' if mem else '-'} | "
            f"{per_state(r['rss'], r):,.0f} | {ratio(r, fl)} | {ratio(r, safety)} |")


def compare(key, n, args, out):
    entry, extra, model_file, macro, defines, offset = MODELS[key]
    fl = run_faultline(args.faultline, entry, extra, n, args)
    always = entry_properties(args.faultline, entry, "always")
    safety = run_faultline(args.faultline, entry, extra, n, args, always)
    with tempfile.TemporaryDirectory() as tmp:
        full = run_spin(model_file, macro, defines, n, False, fl.get("states"),
                        args, tmp)
        por = run_spin(model_file, macro, defines, n, True, fl.get("states"),
                       args, tmp)
    print(f"\n{' '.join([entry, '--nodes', str(n)] + extra)}  "
          f"(bench/spin/{model_file}, {' '.join([f'-D{macro}={n}'] + defines)}"
          f"; faultline: {fl.get('verdict', 'bounds exhausted')}; safety as SPIN: "
          f"--properties {','.join(always)})", file=out)
    print("| run | states | transitions | search s (wall) | CPU s | states per "
          "CPU s | SPIN's memory bytes/state | peak RSS bytes/state | "
          "SPIN CPU / faultline CPU | SPIN CPU / faultline (safety as SPIN) CPU |",
          file=out)
    print("|---|---|---|---|---|---|---|---|---|---|", file=out)
    print(row("faultline (bfs)", fl), file=out)
    print(row("faultline (bfs, safety as SPIN)", safety), file=out)
    print(row("SPIN -DNOREDUCE", full, fl, safety), file=out)
    print(row("SPIN with POR", por, fl, safety), file=out)
    ok = True
    if "capped" not in fl and "capped" not in safety and fl["stop"] == "complete":
        # Same search, fewer properties: the same states must be visited.
        same = safety["states"] == fl["states"]
        ok = same
        if not same:
            print(f"safety-only faultline visited {safety['states']:,} states, "
                  f"the full check {fl['states']:,} -- MISMATCH", file=out)
    if "capped" not in fl and "capped" not in full:
        diff = full["states"] - fl["states"]
        ok = ok and diff == offset
        verdict = ("equal" if diff == 0 else f"SPIN {diff:+,}") + \
                  (" as the model's notes say" if ok else
                   f" -- MISMATCH, expected {offset:+}")
        print(f"states without reduction: {verdict}", file=out)
    return ok


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default_bin = os.path.join(ROOT, "build", "faultline")
    p.add_argument("--faultline", default=default_bin)
    p.add_argument("--instances", default=DEFAULT_INSTANCES,
                   help="comma list of MODEL:N, MODEL in " + ",".join(MODELS))
    p.add_argument("--seconds", type=float, default=120,
                   help="cap per run (faultline --seconds, pan is killed)")
    p.add_argument("--memory-mb", type=int, default=4096,
                   help="cap per run (faultline --memory-mb, pan -DMEMLIM)")
    p.add_argument("--cc", default=os.environ.get("CC", "gcc"),
                   help="C compiler for pan.c (SPIN's default is gcc)")
    p.add_argument("--smoke", action="store_true",
                   help="smallest instances only; exit 1 on a count mismatch")
    args = p.parse_args()
    if not os.path.exists("/usr/bin/time"):
        sys.exit("spin_compare: /usr/bin/time is missing (Debian package time; "
                 "ci/install-deps.sh installs it)")
    if shutil.which("spin") is None:
        sys.exit("spin_compare: spin is not installed (ci/install-deps.sh installs it)")
    if not os.access(args.faultline, os.X_OK):
        sys.exit(f"spin_compare: no faultline binary at {args.faultline}")
    instances = SMOKE_INSTANCES if args.smoke else args.instances
    load = open("/proc/loadavg").read().split()[:3]
    version = subprocess.run(["spin", "-V"], capture_output=True, text=True).stdout.strip()
    print(f"faultline vs {version}; pan: {args.cc} -O2 -DSAFETY; "
          f"caps {args.seconds:g} s, {args.memory_mb} MB per run; "
          f"load average {' '.join(load)}; {os.cpu_count()} cores")
    ok = True
    for item in instances.split(","):
        key, _, n = item.partition(":")
        if key not in MODELS or not n.isdigit():
            sys.exit(f"spin_compare: bad instance '{item}': expected MODEL:N, "
                     f"MODEL in {','.join(MODELS)}")
        ok = compare(key, int(n), args, sys.stdout) and ok
        sys.stdout.flush()
    load = open("/proc/loadavg").read().split()[:3]
    print(f"\nload average at the end {' '.join(load)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
