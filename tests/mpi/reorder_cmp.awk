# reorder_cmp.awk: compare two TREC runs of an exact search that may differ only in the order of
# documents with equal scores. Per query: the score sequences must be equal, and the documents whose
# score is above the query's last (k-th) score must be the same set. Usage:
#   awk -f reorder_cmp.awk A.trec B.trec   (exit 1 with a message on the first difference)
FNR == 1 { f++ }
{
  key = f SUBSEP $1
  n[key]++
  score[key, n[key]] = $5
  doc[key, n[key]] = $3
  q[$1] = 1
}
END {
  if (f != 2) { print "reorder_cmp: need two runs"; exit 1 }
  nq = 0
  for (qid in q) {
    nq++
    a = 1 SUBSEP qid; b = 2 SUBSEP qid
    if (n[a] != n[b]) { printf "query %s: %d vs %d results\n", qid, n[a], n[b]; exit 1 }
    for (i = 1; i <= n[a]; i++)
      if (score[a, i] != score[b, i]) { printf "query %s rank %d: score %s vs %s\n", qid, i, score[a, i], score[b, i]; exit 1 }
    last = score[a, n[a]]
    delete seen
    for (i = 1; i <= n[a]; i++) if (score[a, i] != last) seen[doc[a, i]] = 1
    for (i = 1; i <= n[b]; i++) if (score[b, i] != last) {
      if (!(doc[b, i] in seen)) { printf "query %s: %s (score %s) is not above the k-th score in the first run\n", qid, doc[b, i], score[b, i]; exit 1 }
      delete seen[doc[b, i]]
    }
    for (d in seen) { printf "query %s: %s is above the k-th score only in the first run\n", qid, d; exit 1 }
  }
  if (nq == 0) { print "reorder_cmp: empty runs"; exit 1 }
}
