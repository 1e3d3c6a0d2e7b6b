#!/usr/bin/env python3
"""parts_model.py: the partitioned-search model of docs/scaling.md ("Shared thresholds"), from the
measured figures of tests/bench/parts_bench.sh (docs/benchmarks.md, section parts-bench).

Reads that section's table from docs/benchmarks.md (blocks scored per query at np 1, 2, 4, 8, np
1's mean latency, and its fixed cost per query: `--alpha 0.01`, the set-up and bound pass with no
block scored) and prints, per query set and k, the modelled per-rank cost, latency
and throughput at 1-256 ranks (one per node, one thread) for wiki-wp-dev and for a collection
SCALE times larger. Every input that is assumed, not measured, is named in ASSUMED.

    usage: tests/bench/parts_model.py [docs/benchmarks.md]
"""
import math
import re
import sys

N_BLOCKS = 97388  # wiki-wp-dev at block size 4
SCALE = 22.6      # MS MARCO v1 passages (8.8 M) / wiki-wp-dev (389,550)
# measured (docs/scaling.md, per-rank costs): one merge step of two k-lists in the final top-k reduce
GAMMA_MS = {10: 0.0003, 1000: 0.023}
ASSUMED = {
    "alpha_net_ms": 0.005,      # network latency per message step (a 10-25 GbE or InfiniBand cluster)
    "bytes_per_ms": 1.2e6,      # 1.2 GB/s per rank
    "select_ms_per_score": 5e-6,  # quickselect, 5 ns per gathered score (2,000 scores ~ 10 us)
}
GROUP = 16  # queries per exchange (SPR_PARTS_INFLIGHT)


def exchanges(k):
    return 3 if k <= 50 else 1  # document-major searches (k <= 50 at block size 4) exchange three times, others once


def gathered(k, p):
    m = min(k, math.ceil(max(2 * k, 512) / p))
    return m, p * m


def parse(path):
    rows = {}
    in_sec = False
    for line in open(path, encoding="utf-8"):
        if "<!-- parts-bench:begin -->" in line:
            in_sec = True
        elif "<!-- parts-bench:end -->" in line:
            break
        elif in_sec and line.startswith("| ") and not line.startswith("| ---") and not line.startswith("| queries"):
            c = [x.strip() for x in line.strip().strip("|").split("|")]
            q, k, np_, mode, blocks, mean = c[0], int(c[1]), int(c[2]), c[3], float(c[4]), c[6]
            mode = "one" if mode == "one index" else "fixed" if mode.startswith("one index, `--alpha") else \
                "shared" if mode.startswith("partitioned, shared") else \
                "own" if mode.startswith("partitioned, own") else "replicated"
            rows[(q, k, np_, mode)] = (blocks, float(mean.split()[0]))
    return rows


def main():
    rows = parse(sys.argv[1] if len(sys.argv) > 1 else "docs/benchmarks.md")
    a = ASSUMED
    for (q, k, np_, mode), (_, fixed) in sorted(rows.items()):
        if mode != "fixed":
            continue
        b1, t1 = rows[(q, k, 1, "one")]
        c = (t1 - fixed) / b1  # ms per scored block
        meas = {p: rows[(q, k, p, m)][0] / b1 for p in (2, 4, 8) for m in ("shared",) if (q, k, p, m) in rows}
        own = {p: rows[(q, k, p, "own")][0] / b1 for p in (2, 4, 8) if (q, k, p, "own") in rows}
        xs = [math.log2(p) for p in meas]
        slope = sum(x * (meas[p] - 1) for x, p in zip(xs, meas)) / sum(x * x for x in xs)
        bexp = sum(math.log2(p) * math.log2(own[p]) for p in own) / sum(math.log2(p) ** 2 for p in own)
        print(f"\n{q}, k = {k}: np 1 {t1:.3f} ms = fixed {fixed:.3f} + {b1:.1f} blocks x {1e3 * c:.3f} us;"
              f" blocks ratio shared 1 + {slope:.4f} log2 P (measured {', '.join(f'{p}: {r:.2f}' for p, r in meas.items())}),"
              f" own P^{bexp:.3f}")
        print("| collection | P | blocks x np 1 (shared / own) | scoring ms per rank (shared / own) | exchange ms | final merge ms"
              " | latency ms (shared / own) | queries/s (shared / own) |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for scale, name in ((1, "wiki-wp-dev"), (SCALE, f"{SCALE:g}x (8.8 M passages)")):
            for p in (1, 2, 4, 8, 16, 64, 256):
                rs = meas.get(p, 1 + slope * math.log2(p)) if p > 1 else 1.0
                ro = own.get(p, p ** bexp) if p > 1 else 1.0
                t_sh = fixed * scale / p + c * b1 * scale * rs / p
                t_ow = fixed * scale / p + c * b1 * scale * ro / p
                lg = math.ceil(math.log2(p)) if p > 1 else 0
                m, tot = gathered(k, p)
                # the exchanges: CPU (selecting the k-th of the gathered scores) and network (waited for
                # only where the other group's scoring does not hide it: counted in latency, not throughput)
                sel = exchanges(k) * a["select_ms_per_score"] * tot if p > 1 else 0.0
                net = exchanges(k) * (a["alpha_net_ms"] * lg / GROUP + (p - 1) * m * 4 / a["bytes_per_ms"]) if p > 1 else 0.0
                red = lg * (GAMMA_MS[k] + 8 * k / a["bytes_per_ms"]) if p > 1 else 0.0
                lat_sh, lat_ow = t_sh + sel + net + red, t_ow + red
                busy_sh, busy_ow = t_sh + sel + lg * GAMMA_MS[k], t_ow + lg * GAMMA_MS[k]
                tag = " (measured)" if p in meas or p == 1 else ""
                print(f"| {name} | {p} | {rs:.2f} / {ro:.2f}{tag} | {t_sh:.4f} / {t_ow:.4f} | {sel + net:.4f} | {red:.4f}"
                      f" | {lat_sh:.3f} / {lat_ow:.3f} | {1e3 / busy_sh:,.0f} / {1e3 / busy_ow:,.0f} |")


if __name__ == "__main__":
    main()
