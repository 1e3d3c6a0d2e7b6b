/* prune_check: the oracle for static pruning. From an unpruned index FULL and a pruned index PRUNED of
 * the same identity-quantized vectors corpus, compute what each rule must keep and compare posting
 * for posting:
 *   prune_check FULL PRUNED docs N W   documents keep their N heaviest terms with weight >= W
 *                                      (ties: the lower term id)
 *   prune_check FULL PRUNED lists M    each term keeps its M heaviest postings (ties: the lower docid)
 * Also checks the "pruned_postings" attribute against the difference of the posting counts.
 * Exit 0 when equal, 1 naming the first difference. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spr_h5.h"
#include "spr_index.h"

typedef struct post {
  uint32_t term, doc;
  uint8_t imp;
} post;

static int cmp_doc_heavy(const void *pa, const void *pb) { /* by doc, then impact desc, term asc */
  const post *a = pa, *b = pb;
  if (a->doc != b->doc) return a->doc < b->doc ? -1 : 1;
  if (a->imp != b->imp) return a->imp > b->imp ? -1 : 1;
  return (a->term > b->term) - (a->term < b->term);
}
static int cmp_term_heavy(const void *pa, const void *pb) { /* by term, then impact desc, doc asc */
  const post *a = pa, *b = pb;
  if (a->term != b->term) return a->term < b->term ? -1 : 1;
  if (a->imp != b->imp) return a->imp > b->imp ? -1 : 1;
  return (a->doc > b->doc) - (a->doc < b->doc);
}
static int cmp_term_doc(const void *pa, const void *pb) {
  const post *a = pa, *b = pb;
  if (a->term != b->term) return a->term < b->term ? -1 : 1;
  return (a->doc > b->doc) - (a->doc < b->doc);
}

/* All postings of an index, with term ids of FULL's dictionary (both share it: pruning keeps terms). */
static post *load(const char *path, uint64_t *n, uint64_t *n_terms) {
  spr_index *ix = NULL;
  if (spr_index_open(path, &ix) < 0) {
    fprintf(stderr, "prune_check: %s: %s\n", path, spr_last_message());
    return NULL;
  }
  const spr_index_info *in = spr_index_get_info(ix);
  post *p = malloc((in->n_postings + 1) * sizeof *p);
  uint64_t k = 0;
  for (uint32_t t = 0; p && t < in->n_terms; t++) {
    uint32_t *docs = NULL, m = 0;
    uint8_t *imp = NULL;
    if (spr_index_read_postings(ix, t, 0, (uint32_t)in->n_docs, &docs, &imp, &m) < 0) {
      fprintf(stderr, "prune_check: %s: %s\n", path, spr_last_message());
      free(p);
      p = NULL;
      break;
    }
    for (uint32_t i = 0; i < m; i++) p[k++] = (post){t, docs[i], imp[i]};
    free(docs);
    free(imp);
  }
  *n = k;
  *n_terms = in->n_terms;
  spr_index_close(&ix);
  return p;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: prune_check FULL PRUNED docs N W | lists M\n");
    return 2;
  }
  if (spr_h5_init() < 0) return 2;
  uint64_t nf = 0, np = 0, tf = 0, tp = 0;
  post *full = load(argv[1], &nf, &tf), *pr = load(argv[2], &np, &tp);
  if (!full || !pr) return 2;
  if (tf != tp) {
    fprintf(stderr, "prune_check: term counts differ: %llu vs %llu\n", (unsigned long long)tf, (unsigned long long)tp);
    return 1;
  }
  uint64_t ne = 0;
  if (!strcmp(argv[3], "docs") && argc == 6) {
    const long N = atol(argv[4]);
    const int W = atoi(argv[5]);
    qsort(full, nf, sizeof *full, cmp_doc_heavy);
    long rank = 0;
    for (uint64_t i = 0; i < nf; i++) {
      if (i == 0 || full[i].doc != full[i - 1].doc) rank = 0;
      if (full[i].imp >= W && (N == 0 || rank < N)) full[ne++] = full[i];
      if (full[i].imp >= W) rank++;
    }
  } else if (!strcmp(argv[3], "lists") && argc == 5) {
    const long M = atol(argv[4]);
    qsort(full, nf, sizeof *full, cmp_term_heavy);
    long rank = 0;
    for (uint64_t i = 0; i < nf; i++) {
      if (i == 0 || full[i].term != full[i - 1].term) rank = 0;
      if (rank++ < M) full[ne++] = full[i];
    }
  } else {
    fprintf(stderr, "prune_check: unknown mode\n");
    return 2;
  }
  qsort(full, ne, sizeof *full, cmp_term_doc);
  if (ne != np) {
    fprintf(stderr, "prune_check: expected %llu postings, the pruned index has %llu\n", (unsigned long long)ne,
            (unsigned long long)np);
    return 1;
  }
  for (uint64_t i = 0; i < ne; i++)
    if (full[i].term != pr[i].term || full[i].doc != pr[i].doc || full[i].imp != pr[i].imp) {
      fprintf(stderr, "prune_check: posting %llu: expected (term %u, doc %u, %u), found (term %u, doc %u, %u)\n",
              (unsigned long long)i, full[i].term, full[i].doc, full[i].imp, pr[i].term, pr[i].doc, pr[i].imp);
      return 1;
    }
  spr_h5_reader *r = NULL;
  uint64_t recorded = 0;
  if (spr_h5_reader_open(argv[2], &r) < 0 || spr_h5_get_attr_u64(r, "/", "pruned_postings", &recorded) < 0) {
    fprintf(stderr, "prune_check: %s: %s\n", argv[2], spr_last_message());
    return 1;
  }
  spr_h5_reader_close(&r);
  if (recorded != nf - np) {
    fprintf(stderr, "prune_check: pruned_postings %llu, but %llu postings are gone\n", (unsigned long long)recorded,
            (unsigned long long)(nf - np));
    return 1;
  }
  printf("prune_check: %s: %llu of %llu postings kept, as the rule says\n", argv[3], (unsigned long long)np,
         (unsigned long long)nf);
  free(full);
  free(pr);
  return 0;
}
