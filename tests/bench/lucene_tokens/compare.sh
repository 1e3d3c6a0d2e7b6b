#!/usr/bin/env bash
# Token agreement between Lucene 8's analyzers and spire's (docs/analyzer.md).
#   tests/bench/lucene_tokens/compare.sh BUILD_DIR [english|standard|english-libstemmer] [DATA_DIR]
# BUILD_DIR holds tests/unit/spr_analyzer_dump (cmake --build BUILD_DIR --target spr_analyzer_dump).
# Prints one Markdown row per collection (corpus, then queries); differing terms go to stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: compare.sh BUILD_DIR [analyzer] [DATA_DIR]}
an=${2:-english}
data=${3:-/work/shared/data}
jan=$an; [ "$an" = english-libstemmer ] && jan=english
jars=/usr/share/java
cp="$jars/lucene-core-8.7.0.jar:$jars/lucene-analyzers-common-8.7.0.jar"
[ -f "$jars/lucene-core-8.7.0.jar" ] || cp="$(ls $jars/lucene8-core*.jar $jars/lucene-core*.jar 2>/dev/null | head -1):$(ls $jars/lucene8-analyzers-common*.jar $jars/lucene-analyzers-common*.jar 2>/dev/null | head -1)"
out=${TMPDIR:-/tmp}/spr_lucene_tokens
mkdir -p "$out"
if [ ! -f "$out/LuceneTokens.class" ] || [ "$here/LuceneTokens.java" -nt "$out/LuceneTokens.class" ]; then
  javac -d "$out" -cp "$cp" "$here/LuceneTokens.java"
fi
dump=$(find "$build" -name spr_analyzer_dump -type f -perm -u+x | head -1)
[ -x "$dump" ] || { echo "no spr_analyzer_dump under $build" >&2; exit 1; }
echo "| collection | records | Lucene tokens | spire tokens | bag agreement | identical records |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
for d in "$data"/*/; do
  c=$(basename "$d")
  [ -f "$d/corpus.jsonl" ] || continue
  java -cp "$cp:$out" LuceneTokens --analyzer "$jan" "$d/corpus.jsonl" > "$out/$c.lucene"
  "$dump" --analyzer "$an" "$d/corpus.jsonl" > "$out/$c.spire"
  python3 "$here/compare.py" "$out/$c.lucene" "$out/$c.spire" "$c"
  java -cp "$cp:$out" LuceneTokens --analyzer "$jan" --tsv "$d/queries.tsv" > "$out/$c.q.lucene"
  "$dump" --analyzer "$an" --tsv "$d/queries.tsv" > "$out/$c.q.spire"
  python3 "$here/compare.py" "$out/$c.q.lucene" "$out/$c.q.spire" "$c queries"
done
