#!/usr/bin/env python3
"""Side-by-side table of one bench.sh run: per metric and cipher, each implementation's median (min-max) over reps
and the median of the per-rep ratios against the reference implementation (same rep = same noise).

    bench/ratios.py RESULTS_DIR/raw.tsv [--ref openssh] [--impl sshtunnel ...] > ratios.md

Sections a-i only (throughput, requests, latency, setup, CPU, memory); noise and crypto stay in summary.md.
"""
import argparse
import collections
import csv
import statistics
import sys


def num(text):
    try:
        return float(text)
    except ValueError:
        return None


def fmt(value):
    if value is None:
        return "fail"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("raw")
    parser.add_argument("--ref", default="openssh")
    parser.add_argument("--impl", action="append", help="implementations to compare (default: all but ref/direct)")
    args = parser.parse_args()

    # (section, metric, unit, cipher) -> impl -> rep -> value
    data = collections.defaultdict(lambda: collections.defaultdict(dict))
    order = []
    impls_seen = []
    with open(args.raw, newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            section = row["section"]
            if section in ("noise", "j_crypto") or row["impl"] == "direct":
                continue
            key = (section, row["metric"], row["unit"], row["cipher"])
            if key not in data:
                order.append(key)
            data[key][row["impl"]][row["rep"]] = num(row["value"])
            if row["impl"] not in impls_seen:
                impls_seen.append(row["impl"])
    impls = args.impl or [i for i in impls_seen if i != args.ref]

    head = ["metric", "unit", "cipher", args.ref] + impls + [f"{i} / {args.ref}" for i in impls]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * 3 + "---:|" * (1 + 2 * len(impls)))
    for key in sorted(order, key=lambda k: (k[0], k[1], k[3])):
        section, metric, unit, cipher = key
        cells = [f"{section}: {metric}", unit, cipher]
        per_impl = data[key]

        def cell(impl):
            values = [v for v in per_impl.get(impl, {}).values() if v is not None]
            if not per_impl.get(impl):
                return ""
            if not values:
                return "fail"
            med = statistics.median(values)
            if len(values) == 1:
                return f"**{fmt(med)}**"
            return f"**{fmt(med)}** ({fmt(min(values))}-{fmt(max(values))})"

        cells.append(cell(args.ref))
        for impl in impls:
            cells.append(cell(impl))
        for impl in impls:
            ref = per_impl.get(args.ref, {})
            mine = per_impl.get(impl, {})
            ratios = [mine[r] / ref[r] for r in mine if r in ref and mine[r] is not None and ref[r] not in (None, 0)]
            if not ratios and ref and mine:
                # setup attempts are numbered per implementation: compare medians instead of pairs
                a = [v for v in mine.values() if v is not None]
                b = [v for v in ref.values() if v is not None]
                ratios = [statistics.median(a) / statistics.median(b)] if a and b and statistics.median(b) else []
            cells.append(f"{statistics.median(ratios):.2f}" if ratios else "")
        print("| " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
