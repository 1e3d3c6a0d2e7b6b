#!/usr/bin/env bash
# spire eval against NIST trec_eval 9.0.7's own outputs (/work/shared/golden/trec_eval): for every
# golden run, the default, -q, -c and -M 10 outputs must be byte-identical; the --metrics list
# syntax, friendly names, several --run and --json must agree with them too.
# Env: SPIRE, SPR_SHARED_DIR. Exit 77 (skip) without the shared data.
set -u
. "$(dirname "$0")/../lib.sh"
spr_trec_eval_golden # G, MEAS; skip without
spr_tmpdir tmp
fail=0
n=0

# check EXPECTED_FILE COMMAND...: the command succeeds and prints exactly EXPECTED_FILE's bytes.
check() {
  local want=$1
  shift
  n=$((n + 1))
  if ! "$@" > "$tmp/out" 2> "$tmp/err"; then
    echo "FAIL (exit status): $*"
    cat "$tmp/err"
    fail=1
  elif ! cmp -s "$tmp/out" "$want"; then
    echo "FAIL (differs from $want): $*"
    diff "$tmp/out" "$want" | head -20
    fail=1
  fi
}

qrels_of() { # run file -> its collection's qrels (cranfield.ties -> cranfield)
  local b
  b=$(basename "$1" .run)
  echo "$SPR_SHARED_DIR/data/${b%%.*}/qrels.txt"
}

runs=("$G"/runs/*.run)
for run in "${runs[@]}"; do
  b=$(basename "$run" .run)
  qrels=$(qrels_of "$run")
  check "$G/expected/$b.txt" "$SPIRE" eval --qrels "$qrels" --run "$run" "${MEAS[@]}"
  check "$G/expected/$b.txt" "$SPIRE" eval --qrels "$qrels" --run "$run"
  check "$G/expected/$b.q.txt" "$SPIRE" eval --qrels "$qrels" --run "$run" -q "${MEAS[@]}"
  check "$G/expected/$b.c.txt" "$SPIRE" eval --qrels "$qrels" --run "$run" -c "${MEAS[@]}"
  check "$G/expected/$b.M10.txt" "$SPIRE" eval --qrels "$qrels" --run "$run" -M 10 -m recip_rank
done

# The --metrics list syntax selects the same set (printed in trec_eval's order, not the list's).
run="$G/runs/cranfield.ties.run"
qrels=$(qrels_of "$run")
check "$G/expected/cranfield.ties.txt" "$SPIRE" eval --qrels "$qrels" --run "$run" \
  --metrics num_q,recall.10,100,1000,map,ndcg_cut.10,20,100,recip_rank,P.5,10,20,num_rel_ret,num_ret,num_rel

# Friendly names give trec_eval's values under trec_eval's names; RR@10 equals -M 10 recip_rank.
run="$G/runs/scifact.lucene-bm25.run"
qrels=$(qrels_of "$run")
{
  grep -E '^(map|P_10|recall_100|ndcg_cut_10) ' "$G/expected/scifact.lucene-bm25.txt" |
    sed -n '1p'
  sed 's/^recip_rank   /recip_rank_10/' "$G/expected/scifact.lucene-bm25.M10.txt"
  grep -E '^P_10 ' "$G/expected/scifact.lucene-bm25.txt"
  grep -E '^recall_100 ' "$G/expected/scifact.lucene-bm25.txt"
  grep -E '^ndcg_cut_10 ' "$G/expected/scifact.lucene-bm25.txt"
} > "$tmp/friendly.txt"
check "$tmp/friendly.txt" "$SPIRE" eval --qrels "$qrels" --run "$run" --metrics 'nDCG@10,RR@10,P@10,R@100,MAP'

# Several runs: one block per run, each preceded by "# run: PATH".
r1="$G/runs/cranfield.lucene-bm25.run"
r2="$G/runs/cranfield.noise.run"
{
  echo "# run: $r1"
  cat "$G/expected/cranfield.lucene-bm25.txt"
  echo "# run: $r2"
  cat "$G/expected/cranfield.noise.txt"
} > "$tmp/multi.txt"
check "$tmp/multi.txt" "$SPIRE" eval --qrels "$(qrels_of "$r1")" --run "$r1" --run "$r2" \
  --json "$tmp/multi.json"

# --json holds the same numbers at full precision: rounding them reproduces the golden lines.
if [ ! -s "$tmp/multi.json" ]; then
  echo "FAIL: --json file not written"
  fail=1
elif command -v python3 > /dev/null; then
  n=$((n + 1))
  if ! python3 - "$tmp/multi.json" "$G/expected/cranfield.lucene-bm25.txt" \
    "$G/expected/cranfield.noise.txt" "$r1" "$r2" << 'PY'; then
import json, sys
doc = json.load(open(sys.argv[1]))
runs = doc["runs"]
assert [r["run"] for r in runs] == sys.argv[4:6], [r["run"] for r in runs]
for r, exp in zip(runs, sys.argv[2:4]):
    for line in open(exp):
        name, qid, val = [f.strip() for f in line.split("\t")]
        got = r["all"][name]
        txt = str(int(got)) if "." not in val else "%6.4f" % got
        assert txt == val, (exp, name, txt, val)
    assert len(r["per_query"]) == int(r["all"]["num_q"])
    assert all("num_q" not in v for v in r["per_query"].values())
PY
    echo "FAIL: --json values differ from the golden output"
    fail=1
  fi
else
  echo "note: python3 missing, --json values not checked (file exists)"
fi

echo "eval_golden: $n checks over ${#runs[@]} golden runs"
[ "$fail" = 0 ] || exit 1
echo "eval_golden: ok"
