#!/usr/bin/env bash
# spire eval --report on three runs of the shared Cranfield collection (Lucene BM25 = baseline,
# Xapian BM25, a noised Lucene run): the report's means, t statistics, p-values and Holm-adjusted
# p-values must equal the ones this script computes by hand from the per-query values `spire eval`
# gives (its --json per_query, the full-precision `-q` values; paired t-test with the t tail
# integrated numerically, independently of spire's continued fraction), for both Holm families;
# the best value per measure must be the marked one. The rounded `-q` text values must agree too,
# within what rounding to 4 decimals allows.
# The same report is then made with gnuplot hidden from PATH: text charts, same numbers.
# Env: SPIRE, SPR_SHARED_DIR. Exit 77 (skip) without the shared data.
set -u
R="${SPR_SHARED_DIR:-/nonexistent}/golden/trec_eval/runs"
Q="${SPR_SHARED_DIR:-/nonexistent}/data/cranfield/qrels.txt"
if [ ! -f "$R/cranfield.lucene-bm25.run" ] || [ ! -f "$Q" ]; then
  echo "skip: no shared Cranfield runs under ${SPR_SHARED_DIR:-<unset>}"
  exit 77
fi
command -v python3 > /dev/null || { echo "skip: python3 is needed for the hand computation"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
M=map,nDCG@10,P@10,recip_rank,recall.100
runs=("$R/cranfield.lucene-bm25.run" "$R/cranfield.xapian-bm25.run" "$R/cranfield.noise.run")
for i in 0 1 2; do
  "$SPIRE" eval --qrels "$Q" --run "${runs[$i]}" --metrics "$M" -q --json "$tmp/q$i.json" > "$tmp/q$i.txt" ||
    { echo "FAIL: spire eval -q"; exit 1; }
done
run_report() { # DIR FAMILY [env...]
  local dir=$1 fam=$2
  shift 2
  env "$@" "$SPIRE" eval --qrels "$Q" --run "${runs[0]}" --run "${runs[1]}" --run "${runs[2]}" --label noise \
    --metrics "$M" --holm-family "$fam" --report "$dir" > /dev/null 2> "$dir.err"
}
mkdir -p "$tmp/metric" "$tmp/all"
run_report "$tmp/metric" metric || { echo "FAIL: spire eval --report"; cat "$tmp/metric.err"; exit 1; }
run_report "$tmp/all" all || { echo "FAIL: spire eval --report --holm-family all"; cat "$tmp/all.err"; exit 1; }

# A PATH without gnuplot: every command of the original PATH but gnuplot, linked into one folder
# (mpirun's singleton start needs its helpers on PATH).
nogp=$tmp/nogp-bin
mkdir -p "$nogp"
IFS=: read -r -a dirs <<< "$PATH"
for d in "${dirs[@]}"; do
  [ -d "$d" ] || continue
  for f in "$d"/*; do
    b=${f##*/}
    case "$b" in gnuplot*) continue ;; esac
    [ -x "$f" ] && [ ! -e "$nogp/$b" ] && ln -s "$f" "$nogp/$b" 2> /dev/null
  done
done
mkdir -p "$tmp/text"
run_report "$tmp/text" metric PATH="$nogp" || { echo "FAIL: report without gnuplot"; cat "$tmp/text.err"; exit 1; }

python3 - "$tmp" <<'EOF' || fail=1
import json, math, sys
tmp = sys.argv[1]
labels = ["cranfield.lucene-bm25", "cranfield.xapian-bm25", "noise"]
metrics = ["recip_rank", "P_10", "recall_100", "ndcg_cut_10", "map"]

def per_query_text(path):
    v = {}
    for line in open(path):
        m, q, x = line.split()
        if q != "all" and m in metrics:
            v.setdefault(m, {})[q] = float(x)
    return v

def per_query_json(path):
    v = {}
    for q, vals in json.load(open(path))["runs"][0]["per_query"].items():
        for m in metrics:
            v.setdefault(m, {})[q] = vals[m]
    return v

pq = [per_query_json(f"{tmp}/q{i}.json") for i in range(3)]
pq_text = [per_query_text(f"{tmp}/q{i}.txt") for i in range(3)]

def simpson(f, hi, n=20000):
    h = hi / n
    acc = f(0.0) + f(hi)
    for k in range(1, n):
        acc += (4 if k % 2 else 2) * f(k * h)
    return acc * h / 3.0

def t_p2(t, df):
    """P(|T| >= |t|) = I_x(a, 1/2) with a = df/2, x = df/(df+t^2): the beta(a, 1/2) density
    integrated by Simpson's rule after substituting w = s^2 (which removes the end-point
    singularity): over [0, x] for large |t| (small p), else 1 - the integral over [0, 1 - x]
    of the beta(1/2, a) density."""
    if t == 0: return 1.0
    if math.isinf(t): return 0.0
    a = df / 2.0
    x = df / (df + t * t)
    y = t * t / (df + t * t)
    lb = math.lgamma(a) + math.lgamma(0.5) - math.lgamma(a + 0.5)
    if x < 0.5:  # density of w: w^(a-1) (1-w)^(-1/2); w = s^2 -> 2 s^(2a-1) (1-s^2)^(-1/2)
        f = lambda s: 0.0 if s == 0 else 2.0 * math.exp((2 * a - 1) * math.log(s) - 0.5 * math.log1p(-s * s) - lb)
        return simpson(f, math.sqrt(x))
    # density of w: w^(-1/2) (1-w)^(a-1); w = s^2 -> 2 (1-s^2)^(a-1)
    f = lambda s: 2.0 * math.exp((a - 1) * math.log1p(-s * s) - lb)
    return 1.0 - simpson(f, math.sqrt(y))

def ttest(a, b):
    d = [y - x for x, y in zip(a, b)]
    n = len(d)
    mean = sum(d) / n
    sd = math.sqrt(sum((e - mean) ** 2 for e in d) / (n - 1))
    if all(e == 0 for e in d): return mean, 0.0, 1.0
    t = mean / (sd / math.sqrt(n))
    return mean, t, t_p2(t, n - 1)

def holm(ps):
    order = sorted(range(len(ps)), key=lambda i: ps[i])
    m, run, out = len(ps), 0.0, [0.0] * len(ps)
    for k, i in enumerate(order):
        run = max(run, min(1.0, (m - k) * ps[i]))
        out[i] = run
    return out

def close(x, y, rel=1e-6, ab=1e-12):
    return abs(x - y) <= max(ab, rel * abs(y))

bad = 0
def check(cond, msg):
    global bad
    if not cond:
        print("FAIL:", msg); bad += 1

hand = {}
for m in metrics:
    qs = sorted(pq[0][m])
    for u in (1, 2):
        common = [q for q in qs if q in pq[u][m]]
        hand[(m, u)] = ttest([pq[0][m][q] for q in common], [pq[u][m][q] for q in common]) + (len(common),)

for family in ("metric", "all"):
    rep = json.load(open(f"{tmp}/{family}/report.json"))
    check(rep["family"] == family and rep["baseline"] == labels[0], f"{family}: header")
    check([r["label"] for r in rep["runs"]] == labels, f"{family}: run labels {[r['label'] for r in rep['runs']]}")
    if family == "metric":
        adj = {}
        for m in metrics: adj.update({(m, u): p for u, p in zip((1, 2), holm([hand[(m, 1)][2], hand[(m, 2)][2]]))})
    else:
        keys = [(m, u) for m in metrics for u in (1, 2)]
        adj = dict(zip(keys, holm([hand[k][2] for k in keys])))
    seen = 0
    for e in rep["metrics"]:
        m = e["name"]
        if m not in metrics: continue
        vals = [e["values"][l] for l in labels]
        best = [l for l, v in zip(labels, vals) if v == max(vals)]
        check(sorted(e["best"]) == sorted(best), f"{family} {m}: best {e['best']} != {best}")
        for c in e["comparisons"]:
            u = labels.index(c["run"])
            mean, t, p, n = hand[(m, u)]
            seen += 1
            check(c["queries"] == n, f"{m} {c['run']}: {c['queries']} queries, want {n}")
            check(close(c["mean_diff"], mean, 1e-9, 1e-12), f"{m} {c['run']}: mean diff {c['mean_diff']} != {mean}")
            check(close(c["t"], t, 1e-9), f"{m} {c['run']}: t {c['t']} != {t}")
            check(close(c["p"], p), f"{m} {c['run']}: p {c['p']!r} != hand {p!r}")
            check(close(c["p_holm"], adj[(m, u)]), f"{family} {m} {c['run']}: p_holm {c['p_holm']!r} != hand {adj[(m, u)]!r}")
            check(c["significant"] == (adj[(m, u)] < 0.05), f"{family} {m} {c['run']}: significance flag")
    check(seen == 2 * len(metrics), f"{family}: {seen} comparisons, want {2 * len(metrics)}")
    print(f"{family}: {seen} comparisons match the hand computation")

# from the rounded -q values: means within 5e-5, t within 1% (rounding noise), p agrees
for m in metrics:
    for u in (1, 2):
        qs = sorted(q for q in pq_text[0][m] if q in pq_text[u][m])
        mean, t, p = ttest([pq_text[0][m][q] for q in qs], [pq_text[u][m][q] for q in qs])
        check(abs(mean - hand[(m, u)][0]) <= 5e-5, f"-q {m} {u}: mean {mean}")
        check(abs(t - hand[(m, u)][1]) <= 0.01 * abs(hand[(m, u)][1]) + 1e-3, f"-q {m} {u}: t {t}")
        check(abs(p - hand[(m, u)][2]) <= 0.01 * hand[(m, u)][2] + 1e-3, f"-q {m} {u}: p {p}")

# the noised run must come out significantly worse on MAP (it is: p ~ 1e-16)
rep = json.load(open(f"{tmp}/metric/report.json"))
mp = [c for e in rep["metrics"] if e["name"] == "map" for c in e["comparisons"] if c["run"] == "noise"][0]
check(mp["significant"] and mp["mean_diff"] < 0, "noise: MAP significantly worse")
# text-chart report: the same numbers
txt = json.load(open(f"{tmp}/text/report.json"))
check(txt["metrics"] == rep["metrics"], "report without gnuplot: other numbers")
sys.exit(1 if bad else 0)
EOF

# Markdown: the table marks the noised run's MAP as significantly worse (▼) and bolds the best.
grep -qF '| MAP (`map`) | 0.2879 | **0.2890** (+0.0012) | 0.2658 (-0.0221) ▼ |' "$tmp/metric/report.md" ||
  { echo "FAIL: Markdown MAP row"; grep 'MAP' "$tmp/metric/report.md"; fail=1; }
grep -q '^## Significance against the baseline' "$tmp/metric/report.md" || { echo "FAIL: no significance table"; fail=1; }
grep -q '^## Per-query differences: nDCG@10' "$tmp/metric/report.md" || { echo "FAIL: no per-query section"; fail=1; }
# HTML: SVG plots with gnuplot, text charts without
if command -v gnuplot > /dev/null; then
  n=$(grep -c '<svg' "$tmp/metric/report.html")
  [ "$n" -eq 2 ] || { echo "FAIL: $n SVG plots, want 2 (one per compared run)"; fail=1; }
  grep -q 'class="text-plot"' "$tmp/metric/report.html" && { echo "FAIL: text chart although gnuplot ran"; fail=1; }
fi
if grep -q '<svg' "$tmp/text/report.html" || [ "$(grep -c 'class="text-plot"' "$tmp/text/report.html")" -ne 2 ]; then
  echo "FAIL: without gnuplot the HTML should hold 2 text charts and no SVG"
  fail=1
fi
[ "$fail" -eq 0 ] && echo "ok"
exit "$fail"
