#!/usr/bin/env python3
"""Prints the README's protocol table: every registered entry with its default
world and parameters, its properties, and what `faultline check` finds at the
defaults (states, time, verdict). Usage: ci/protocol_table.py [FAULTLINE_BIN]"""
import json
import subprocess
import sys

binary = sys.argv[1] if len(sys.argv) > 1 else "./faultline"
entries = json.loads(subprocess.run([binary, "list", "--json"], check=True,
                                    capture_output=True, text=True).stdout)
print("| name | expect | properties | default config | result at the defaults |")
print("|---|---|---|---|---|")
for e in entries:
    run = subprocess.run([binary, "check", e["name"], "--json", "--trace-dir", "/tmp/fl-table"],
                         capture_output=True, text=True)
    r = json.loads(run.stdout)
    props = ", ".join(f'{p["kind"]}({p["name"]})' for p in e["properties"])
    expect = e["expect"] + (f' ({e["property"]})' if e["expect"] == "fail" else "")
    result = f'{r["verdict"]}: {r["states"]:,} states, {r["seconds"]:.2f} s'
    if r["verdict"] == "violation":
        result = f'{r["verdict"]} of {r["property"]} after {r["states"]:,} states, {r["seconds"]:.2f} s'
    print(f'| `{e["name"]}` | {expect} | {props} | `{e["config"]}` | {result} |')
