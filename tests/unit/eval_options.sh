#!/bin/bash
# spire eval's options, made from the table of settings (jobs/spr_settings.c) with trec_eval's
# syntax: every option --help lists is accepted, the spellings trec_eval takes give the same bytes
# (-mX and -m X, -M10, --name=VALUE, repeated -m adding to --metrics (each value a list of its own:
# "-m P.5 -m 10" is an error, not P.5,10), the default set equal to
# trec_eval's list written out), what the hand-written parser refused is still refused with exit 2
# (abbreviations, bundled flags, a repeated --qrels, --label before any --run, values out of range),
# and --label/--latency stay with the --run before them; trec_eval's order QRELS RUN [RUN2 ...] works too.
set -u
. "$(dirname "$0")/../lib.sh"
spr_usage_setup
usage() { spr_usage eval "$@"; }
# same OUT ARGS...: exit 0 and stdout equal to the file OUT
same() {
  local want=$1; shift
  "$SPIRE" eval "$@" > "$tmp/got" 2> "$tmp/err" || { fail "eval $*: exit $?: $(cat "$tmp/err")"; return; }
  cmp -s "$want" "$tmp/got" || fail "eval $*: output differs from $(basename "$want")"
}
# two queries, a run for each (ties and a missing document), grades 1 and 2
printf 'q1 0 d1 1\nq1 0 d3 2\nq2 0 d2 1\nq3 0 d9 1\n' > qrels
printf 'q1 Q0 d1 1 9 t\nq1 Q0 d2 2 8 t\nq1 Q0 d3 3 8 t\nq2 Q0 d4 1 5 t\nq2 Q0 d2 2 4 t\n' > a.run
printf 'q1 Q0 d3 1 9 t\nq1 Q0 d1 2 3 t\nq2 Q0 d2 1 5 t\n' > b.run
Q=(--qrels qrels --run a.run)

"$SPIRE" eval "${Q[@]}" -m map -m ndcg_cut.10,20,100 -m recip_rank -m P.5,10,20 -m recall.10,100,1000 \
  -m num_rel_ret -m num_ret -m num_rel -m num_q > default.txt || fail "explicit default set"
grep -q "^num_q" default.txt && grep -q "^ndcg_cut_100" default.txt || fail "default set: $(cat default.txt)"
same default.txt "${Q[@]}"
same default.txt --run=a.run --qrels=qrels
# trec_eval's own order: QRELS RUN [RUN2 ...] after the options
same default.txt qrels a.run
"$SPIRE" eval --qrels qrels --run a.run --run b.run -m map > two.txt || fail "two runs"
same two.txt -m map qrels a.run b.run
"$SPIRE" eval "${Q[@]}" -m P.5,10 -q -c > p.txt || fail "P.5,10"
same p.txt "${Q[@]}" -mP.5 -m P.10 --query-eval --complete
same p.txt "${Q[@]}" --metrics P.10 --metrics=P.5 -c -q
same p.txt -m P.5,10 -q -c qrels a.run
grep -q "^P_5 *	q3	0.0000" p.txt || fail "-c: q3 missing from $(cat p.txt)"
"$SPIRE" eval "${Q[@]}" -M 1 -m recip_rank > m1.txt || fail "-M 1"
same m1.txt "${Q[@]}" -M1 -mrecip_rank
cmp -s m1.txt <("$SPIRE" eval "${Q[@]}" -m recip_rank) && fail "-M 1 changes nothing (the check cannot fail)"
{ echo "# run: a.run"; cat p.txt; echo "# run: b.run"; "$SPIRE" eval --qrels qrels --run b.run -m P.5,10 -q -c; } > ab.txt
same ab.txt "${Q[@]}" --run b.run -m P.5,10 -q -c

# labels and latencies belong to the --run before them (the report names them)
printf '2.5\n3.5\n' > a.lat
"$SPIRE" eval "${Q[@]}" --label first --latency a.lat --run b.run --label second -m P.5 \
  --markdown r.md --report-json r.json --text-plots --title 'My title' --alpha 0.1 --holm-family all \
  > /dev/null 2> "$tmp/err" || fail "report: $(cat "$tmp/err")"
grep -q '"label":[[:space:]]*"first"' r.json && grep -q '"label":[[:space:]]*"second"' r.json ||
  fail "labels: $(grep label r.json)"
grep -q '^# My title' r.md || fail "title: $(head -1 r.md)"
grep -q '"alpha":[[:space:]]*0.1,' r.json || fail "alpha: $(grep alpha r.json)"

usage "--qrels and --run are required" --qrels qrels
usage "--qrels and --run are required" --run a.run
usage "--qrels given twice" "${Q[@]}" --qrels qrels
usage "--label must follow the --run it names" --label x "${Q[@]}"
usage "--latency must follow the --run it describes" --latency x "${Q[@]}"
usage "unknown argument '--qrel'" "${Q[@]}" --qrel qrels
usage "unknown argument '-qc'" "${Q[@]}" -qc
usage "unknown argument '--text-plots=1'" "${Q[@]}" --text-plots=1
usage "unknown argument '-J'" "${Q[@]}" -J
usage "unknown argument '--'" "${Q[@]}" --
usage "unknown argument '-x'" "${Q[@]}" -x
same two.txt -m map --qrels qrels a.run b.run
usage "option -m needs a value" "${Q[@]}" -m
usage "measure list '10': cutoff '10' does not follow a measure with cutoffs" "${Q[@]}" -m P.5 -m 10
usage "option --run needs a value" --qrels qrels --run
usage "-M must be an integer in [1, 9223372036854775807], not '0'" "${Q[@]}" -M 0
usage "--alpha must be a number in (0, 1), not '1'" "${Q[@]}" --alpha 1
usage "--holm-family must be metric or all, not 'some'" "${Q[@]}" --holm-family some
"$SPIRE" eval "${Q[@]}" -m bogus > /dev/null 2> "$tmp/err"
[ $? -eq 2 ] && grep -q "bogus" "$tmp/err" || fail "-m bogus: $(cat "$tmp/err")"

# every option --help lists is accepted (the values are bad files where a file is read: exit 1,
# never a usage error)
n=0
while read -r opt arg; do
  n=$((n + 1))
  case $opt in -h*|--qrels) continue ;; esac # --qrels: given already, and only once
  case $arg in N) v=5 ;; A) v=0.5 ;; F) v=all ;; MEASURE|LIST|M) v=map ;; RUN) v=a.run ;; QRELS) v=qrels ;;
    DIR) v="$tmp/rep" ;; *) v="$tmp/x.$n" ;; esac
  [ "$opt" = --latency ] && v=a.lat
  if [ -z "$arg" ]; then "$SPIRE" eval "${Q[@]}" "$opt" > /dev/null 2> "$tmp/err"
  else "$SPIRE" eval "${Q[@]}" "$opt" "$v" > /dev/null 2> "$tmp/err"; fi
  rc=$?
  [ $rc -le 1 ] || fail "eval $opt $v: exit $rc: $(cat "$tmp/err")"
done < <("$SPIRE" eval --help | sed -n 's/^  \(-[a-zA-Z]\)\(, --[a-z-]*\)\{0,1\} \{0,1\}\([A-Z.a-z]*\).*/\1 \3/p; s/^  \(--[a-z0-9-]*\) \{0,1\}\([A-Z.a-z]*\).*/\1 \2/p')
[ $n -ge 18 ] || fail "eval --help lists $n options"

[ $fails -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "eval options: ok"
