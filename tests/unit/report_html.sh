#!/usr/bin/env bash
# The HTML report opens in headless Chromium and its plots are there: a report of two small
# generated runs (with per-query latency files) is loaded with `chromium --headless --dump-dom`;
# the DOM must hold the metric and significance tables and, with gnuplot installed, one SVG plot
# per compared run plus the latency plot (else the text charts). Self-contained (no shared data).
# Env: SPIRE. Exit 77 (skip) when chromium is not installed.
set -u
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROME" ]; then
  echo "skip: chromium is not installed (apt-get install chromium)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# 40 queries, 5 relevant documents each; run b ranks one relevant document higher than run a.
awk 'BEGIN { for (q = 1; q <= 40; q++) for (d = 1; d <= 5; d++) print q, 0, "d" q "_" d * 3, 1 }' > "$tmp/qrels"
awk -v shift=0 -v tag=a 'BEGIN { srand(7); for (q = 1; q <= 40; q++) for (r = 1; r <= 30; r++)
  print q, "Q0", "d" q "_" r, r, 100 - r, tag }' > "$tmp/a.run"
awk -v tag=b 'BEGIN { for (q = 1; q <= 40; q++) for (r = 1; r <= 30; r++) {
  s = 100 - r; if (r == 3 * (1 + q % 5)) s = 100.5; print q, "Q0", "d" q "_" r, r, s, tag } }' > "$tmp/b.run"
awk 'BEGIN { for (q = 1; q <= 40; q++) print q, 0.5 + (q * 37 % 11) / 4 }' > "$tmp/a.lat"
awk 'BEGIN { for (q = 1; q <= 40; q++) print q, 0.3 + (q * 17 % 13) / 5 }' > "$tmp/b.lat"
"$SPIRE" eval --qrels "$tmp/qrels" --run "$tmp/a.run" --latency "$tmp/a.lat" --run "$tmp/b.run" \
  --latency "$tmp/b.lat" --metrics map,nDCG@10,P@5 --html "$tmp/report.html" > /dev/null 2> "$tmp/err" ||
  { echo "FAIL: spire eval --html"; cat "$tmp/err"; exit 1; }
# --no-sandbox: tests run as root in CI; a private profile keeps runs independent.
timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --user-data-dir="$tmp/profile" \
  --dump-dom "file://$tmp/report.html" > "$tmp/dom.html" 2> "$tmp/chrome.err"
rc=$?
if [ $rc -ne 0 ] || [ ! -s "$tmp/dom.html" ]; then
  echo "FAIL: chromium could not load the report (exit $rc)"
  tail -5 "$tmp/chrome.err"
  exit 1
fi
fail=0
for id in metrics significance per-query; do
  grep -q "id=\"$id\"" "$tmp/dom.html" || { echo "FAIL: no #$id table in the DOM"; fail=1; }
done
svgs=$(grep -o '<svg' "$tmp/dom.html" | wc -l)
texts=$(grep -o 'class="text-plot"' "$tmp/dom.html" | wc -l)
if command -v gnuplot > /dev/null; then
  # per-query differences (1 compared run) + latency distribution
  [ "$svgs" -eq 2 ] || { echo "FAIL: $svgs <svg> elements in the DOM, want 2"; fail=1; }
  grep -q '<path\|<rect\|<polyline' "$tmp/dom.html" || { echo "FAIL: the SVG plots draw nothing"; fail=1; }
else
  [ "$texts" -eq 2 ] || { echo "FAIL: $texts text charts in the DOM, want 2 (gnuplot absent)"; fail=1; }
fi
# the DOM is the parsed page: the document ends properly (no truncated or broken markup)
grep -q '</html>' "$tmp/dom.html" || { echo "FAIL: DOM incomplete"; fail=1; }
[ $fail -eq 0 ] && echo "ok: chromium loaded the report; $svgs SVG plot(s), $texts text chart(s)"
exit $fail
