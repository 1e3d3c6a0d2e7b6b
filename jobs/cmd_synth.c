/* cmd_synth.c: spire synth -- write a deterministic synthetic collection (corpus, queries, qrels).
 * Generation is the pure kernel kernels/spr_synth.c; this file parses arguments and writes files.
 * Only rank 0 writes (the collection is small next to what it is used to test), and each file is
 * written under a temporary name and renamed, so a failure never leaves a partial file behind.
 * Documents are generated in batches by every OpenMP thread and written in order by one: the
 * bytes do not depend on the thread count. Two profiles: known-item (text corpus, TSV queries)
 * and splade (JSON term vectors, see docs/synth.md). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spr_cli.h"
#include "spr_file.h"
#include "spr_synth.h"

#define SPR_SYNTH_BATCH 1024u

static void spr_synth_help(FILE *f) {
  fprintf(f,
          "usage: spire synth --profile known-item|splade --docs N --queries Q [--seed S] [--shuffle]\n"
          "                   --output DIR\n"
          "         known-item: [--vocab V] [--topics T] [--min-len A] [--max-len B]\n"
          "         splade:     [--vocab V | --vocab-file FILE] [--doc-terms N] [--query-terms M]\n"
          "                     [--cluster-docs C] [--cluster-terms K]\n\n"
          "Write a deterministic synthetic test collection into DIR (created if missing).\n"
          "known-item profile (text, for BM25):\n"
          "  DIR/corpus.jsonl  {\"id\": \"d0000001\", \"title\": \"...\", \"text\": \"...\"} per line\n"
          "  DIR/queries.tsv   qid<TAB>text per line\n"
          "splade profile (SPLADE-like term vectors, Anserini's JsonVectorCollection):\n"
          "  DIR/docs.jsonl    {\"id\": \"d0000001\", \"vector\": {\"token\": 12, ...}} per line\n"
          "  DIR/queries.jsonl {\"id\": \"q1\", \"vector\": {\"token\": 31, ...}} per line\n"
          "both:\n"
          "  DIR/qrels.txt     qid 0 docid 1 per line (one relevant document per query)\n"
          "  DIR/README.md     the parameters and the command that regenerates the files\n\n"
          "options:\n"
          "  --profile P    known-item (default): documents of pseudo-words from a Zipf-like\n"
          "                 background law mixed with topical clusters and English stop words;\n"
          "                 each query is 2-6 words (favouring rare ones) of one random document,\n"
          "                 some swapped for or joined by words not in it (noise); that document is\n"
          "                 its only relevant one.\n"
          "                 splade: weighted term vectors over a WordPiece-like vocabulary, integer\n"
          "                 weights 1-255 skewed low, documents in topical clusters of consecutive\n"
          "                 docids (as after reordering); each query mixes terms of one random\n"
          "                 document (its only relevant one) with terms of its cluster and noise.\n"
          "  --docs N       number of documents (>= 1), required\n"
          "  --queries Q    number of queries (>= 0), required\n"
          "  --seed S       64-bit seed (default 1)\n"
          "  --output DIR   output folder, required\n"
          "  --shuffle      write the same collection with its documents in a random order\n"
          "                 (from the seed): document ids d0000001... follow the new order and\n"
          "                 qrels.txt names them, so similar documents no longer have nearby\n"
          "                 docids (the input of `spire index --reorder bp`)\n"
          "  --vocab V      vocabulary size in [%u, %u] (default 30000; splade: 30522\n"
          "                 generated tokens such as \"keastor\" and \"##ou\")\n"
          "  --topics T     known-item: topical clusters (default 0 = clamp(sqrt(N), 4, 400))\n"
          "  --min-len A    known-item: minimum words of text per document (default 20)\n"
          "  --max-len B    known-item: maximum words of text per document (default 300)\n"
          "  --vocab-file F splade: take the tokens from F (one per line, e.g. a BERT vocab.txt;\n"
          "                 empty lines and [bracketed] special tokens are skipped; line order\n"
          "                 is frequency order)\n"
          "  --doc-terms N  splade: mean non-zeros per document (default 120; uniform in N/2..3N/2)\n"
          "  --query-terms M splade: mean non-zeros per query (default 44; uniform in\n"
          "                 M-M/4..M+M/4); M < 8 is the inference-free shape: M-1 or M terms,\n"
          "                 e.g. --query-terms 7\n"
          "  --cluster-docs C splade: mean documents per topical cluster (default 256, <= %u)\n"
          "  --cluster-terms K splade: terms in a cluster's topic list (default 400)\n\n"
          "The same arguments give identical bytes whatever the thread or rank count.\n"
          "Under mpirun only rank 0 writes.\n",
          SPR_SYNTH_VOCAB_MIN, SPR_SYNTH_VOCAB_MAX, SPR_SYNTH_CLUSTER_MAX);
}

/* Parse a full unsigned decimal in [0, max]. */
static int spr_synth_parse_u64(const char *s, uint64_t max, uint64_t *out) {
  if (!s || !*s || *s == '-' || *s == '+') return -1;
  char *end = NULL;
  errno = 0;
  const unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end || v > max) return -1;
  *out = v;
  return 0;
}

/* mkdir -p. */
static int spr_synth_mkdirs(const char *dir) {
  char *tmp = strdup(dir);
  if (!tmp) return SPR_FAIL(SPR_ENOMEM, "out of memory");
  int rc = SPR_OK;
  for (char *s = tmp + 1;; s++) {
    if (*s != '/' && *s != '\0') continue;
    const char c = *s;
    *s = '\0';
    if (mkdir(tmp, 0777) != 0 && errno != EEXIST) {
      rc = SPR_FAIL(SPR_EIO, "%s: cannot create folder: %s", tmp, strerror(errno));
      break;
    }
    *s = c;
    if (c == '\0') break;
  }
  free(tmp);
  if (rc == SPR_OK) {
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
      rc = SPR_FAIL(SPR_EIO, "%s: not a folder", dir);
  }
  return rc;
}

/* An output file written as DIR/.NAME.tmp.PID and renamed to DIR/NAME on success
 * (spr_out_close). */
static int spr_synth_open(spr_out *o, const char *dir, const char *name) {
  memset(o, 0, sizeof *o);
  const size_t n = strlen(dir) + strlen(name) + 48;
  char *final = malloc(n), *tmp = malloc(n);
  int rc = final && tmp ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "out of memory");
  if (rc == SPR_OK) {
    snprintf(final, n, "%s/%s", dir, name);
    snprintf(tmp, n, "%s/.%s.tmp.%ld", dir, name, (long)getpid());
    rc = spr_out_open(o, final, tmp);
  }
  free(final);
  free(tmp);
  return rc;
}

/* Generate documents (kind 0: corpus) or queries (kind 1: queries + qrels) in ordered batches. */
/* perm (may be NULL: identity): position j holds generated document perm[j]; inv its inverse. */
static int spr_synth_emit(const spr_synth_params *p, const uint64_t *perm, const uint64_t *inv, int kind, FILE *f,
                          FILE *fq) {
  const uint64_t n = kind == 0 ? p->ndocs : p->nqueries;
  const size_t ws = spr_synth_workspace_size(p);
  const size_t tcap = spr_synth_title_bound(p);
  const size_t xcap = kind == 0 ? spr_synth_text_bound(p) : spr_synth_query_bound(p);
  char *title = malloc((size_t)SPR_SYNTH_BATCH * tcap);
  char *text = malloc((size_t)SPR_SYNTH_BATCH * xcap);
  uint64_t *docs = malloc(SPR_SYNTH_BATCH * sizeof *docs);
  int *rcs = malloc(SPR_SYNTH_BATCH * sizeof *rcs);
  int rc = SPR_OK;
  if (!title || !text || !docs || !rcs) {
    rc = SPR_FAIL(SPR_ENOMEM, "synth: out of memory");
    goto cleanup;
  }
  int failed = 0; /* shared; written only inside `single`, read after its barrier */
#pragma omp parallel
  {
    void *work = malloc(ws);
    for (uint64_t start = 0; start < n; start += SPR_SYNTH_BATCH) {
      const uint32_t cnt = (uint32_t)(n - start < SPR_SYNTH_BATCH ? n - start : SPR_SYNTH_BATCH);
#pragma omp for schedule(static)
      for (uint32_t j = 0; j < cnt; j++) {
        int64_t r;
        if (!work)
          r = SPR_FAIL(SPR_ENOMEM, "synth: out of memory");
        else if (kind == 0)
          r = spr_synth_doc(p, perm ? perm[start + j] : start + j, work, ws, title + (size_t)j * tcap, tcap,
                            text + (size_t)j * xcap, xcap);
        else
          r = spr_synth_query(p, start + j, work, ws, &docs[j], text + (size_t)j * xcap, xcap);
        rcs[j] = r < 0 ? (int)r : SPR_OK;
      }
#pragma omp single
      {
        char id[SPR_SYNTH_ID_CAP], did[SPR_SYNTH_ID_CAP];
        for (uint32_t j = 0; j < cnt && !failed; j++) {
          if (rcs[j] < 0) {
            /* the message lives on the thread that failed: regenerate here for the context */
            rc = SPR_FAIL(rcs[j], "synth: generating item %" PRIu64 " failed: %s", start + j,
                          spr_strerror(rcs[j]));
            failed = 1;
            break;
          }
          if (kind == 0) {
            spr_synth_doc_id(start + j, id, sizeof id);
            fprintf(f, "{\"id\": \"%s\", \"title\": \"%s\", \"text\": \"%s\"}\n", id,
                    title + (size_t)j * tcap, text + (size_t)j * xcap);
          } else {
            spr_synth_query_id(start + j, id, sizeof id);
            spr_synth_doc_id(inv ? inv[docs[j]] : docs[j], did, sizeof did);
            fprintf(f, "%s\t%s\n", id, text + (size_t)j * xcap);
            fprintf(fq, "%s 0 %s 1\n", id, did);
          }
        }
      }
      if (failed) break;
    }
    free(work);
  }
cleanup:
  free(title);
  free(text);
  free(docs);
  free(rcs);
  return rc;
}

/* ---------------------------------------------------------------- splade profile: vectors */

/* The spelled vocabulary: for term t, blob[off[t], off[t+1]) is `"token": ` already JSON-escaped,
 * so a vector entry is one memcpy plus the weight digits. */
typedef struct spr_synth_vocab {
  char *blob;    /* owned */
  uint32_t *off; /* owned, n + 1 offsets */
  uint32_t n;
  size_t maxlen; /* longest entry */
} spr_synth_vocab;

static void spr_synth_vocab_free(spr_synth_vocab *v) {
  free(v->blob);
  free(v->off);
  memset(v, 0, sizeof *v);
}

/* Append `"tok": ` for token s (n bytes, valid UTF-8) to v, escaping for JSON. */
static int spr_synth_vocab_add(spr_synth_vocab *v, size_t *cap, const char *s, size_t n) {
  const size_t need = (size_t)v->off[v->n] + 6 * n + 8;
  if (need > UINT32_MAX) return SPR_FAIL(SPR_EINVAL, "synth: vocabulary too large");
  if (need > *cap) {
    size_t c = *cap ? *cap : 1 << 16;
    while (c < need) c *= 2;
    char *b = realloc(v->blob, c);
    if (!b) return SPR_FAIL(SPR_ENOMEM, "synth: out of memory");
    v->blob = b;
    *cap = c;
  }
  char *d = v->blob + v->off[v->n];
  char *const d0 = d;
  *d++ = '"';
  for (size_t k = 0; k < n; k++) {
    const unsigned char ch = (unsigned char)s[k];
    if (ch == '"' || ch == '\\') {
      *d++ = '\\';
      *d++ = (char)ch;
    } else if (ch < 0x20) {
      d += sprintf(d, "\\u%04x", ch);
    } else {
      *d++ = (char)ch;
    }
  }
  memcpy(d, "\": ", 3);
  d += 3;
  const size_t len = (size_t)(d - d0);
  if (len > v->maxlen) v->maxlen = len;
  v->off[v->n + 1] = v->off[v->n] + (uint32_t)len;
  v->n++;
  return SPR_OK;
}

static int spr_synth_vocab_generate(spr_synth_vocab *v, uint32_t n) {
  memset(v, 0, sizeof *v);
  v->off = calloc((size_t)n + 1, sizeof *v->off);
  if (!v->off) return SPR_FAIL(SPR_ENOMEM, "synth: out of memory");
  size_t cap = 0;
  char tok[SPR_SYNTH_TOKEN_CAP];
  for (uint32_t t = 0; t < n; t++) {
    const size_t len = spr_synth_wordpiece(t, tok, sizeof tok);
    SPR_TRY(spr_synth_vocab_add(v, &cap, tok, len));
  }
  return SPR_OK;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t spr_synth_utf8_len(const unsigned char *s, size_t n) {
  if (s[0] < 0x80) return 1;
  size_t len;
  uint32_t cp;
  if ((s[0] & 0xE0) == 0xC0) len = 2, cp = s[0] & 0x1F;
  else if ((s[0] & 0xF0) == 0xE0) len = 3, cp = s[0] & 0x0F;
  else if ((s[0] & 0xF8) == 0xF0) len = 4, cp = s[0] & 0x07;
  else return 0;
  if (len > n) return 0;
  for (size_t k = 1; k < len; k++) {
    if ((s[k] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[k] & 0x3F);
  }
  static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

static const char *spr_synth_cmp_base; /* qsort context: only used under `single` on rank 0 */
static int spr_synth_cmp_entry(const void *a, const void *b) {
  const uint32_t *x = a, *y = b; /* pairs (offset, length) into spr_synth_cmp_base */
  const int c = memcmp(spr_synth_cmp_base + x[0], spr_synth_cmp_base + y[0],
                       x[1] < y[1] ? x[1] : y[1]);
  return c ? c : (x[1] > y[1]) - (x[1] < y[1]);
}

/* Read tokens from path: one per line; skip empty lines and [bracketed] specials. Errors name
 * the file and line (invalid UTF-8, duplicates, fewer than SPR_SYNTH_VOCAB_MIN tokens). */
static int spr_synth_vocab_load(spr_synth_vocab *v, const char *path) {
  memset(v, 0, sizeof *v);
  FILE *f = fopen(path, "rb");
  if (!f) return SPR_FAIL(SPR_EIO, "%s: cannot open: %s", path, strerror(errno));
  int rc = SPR_OK;
  char *line = NULL, *raw = NULL;
  size_t lcap = 0, cap = 0, rawcap = 0, rawlen = 0, ocap = 0;
  uint32_t *pairs = NULL, *lines = NULL; /* per token: (raw offset, length), source line */
  ssize_t got;
  uint64_t lineno = 0;
  while ((got = getline(&line, &lcap, f)) >= 0) {
    lineno++;
    size_t n = (size_t)got;
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
    if (n == 0 || (n >= 3 && line[0] == '[' && line[n - 1] == ']')) continue;
    for (size_t k = 0; k < n;) {
      const size_t l = spr_synth_utf8_len((const unsigned char *)line + k, n - k);
      if (!l || line[k] == '\0') {
        rc = SPR_FAIL(SPR_EPARSE, "%s:%" PRIu64 ": invalid UTF-8 at byte %zu of the token", path,
                      lineno, k + 1);
        goto cleanup;
      }
      k += l;
    }
    if (v->n >= SPR_SYNTH_VOCAB_MAX) {
      rc = SPR_FAIL(SPR_EPARSE, "%s:%" PRIu64 ": more than %u tokens", path, lineno,
                    SPR_SYNTH_VOCAB_MAX);
      goto cleanup;
    }
    if (v->n + 2u > ocap) {
      ocap = ocap ? 2 * ocap : 65536;
      uint32_t *o = realloc(v->off, ocap * sizeof *o);
      uint32_t *pr = realloc(pairs, 2 * ocap * sizeof *pr);
      uint32_t *ln = realloc(lines, ocap * sizeof *ln);
      if (o) v->off = o;
      if (pr) pairs = pr;
      if (ln) lines = ln;
      if (!o || !pr || !ln) {
        rc = SPR_FAIL(SPR_ENOMEM, "synth: out of memory");
        goto cleanup;
      }
      if (v->n == 0) v->off[0] = 0;
    }
    if (rawlen + n > rawcap) {
      rawcap = rawcap ? 2 * rawcap : 1 << 16;
      while (rawcap < rawlen + n) rawcap *= 2;
      char *r = realloc(raw, rawcap);
      if (!r) {
        rc = SPR_FAIL(SPR_ENOMEM, "synth: out of memory");
        goto cleanup;
      }
      raw = r;
    }
    memcpy(raw + rawlen, line, n);
    pairs[2 * v->n] = (uint32_t)rawlen;
    pairs[2 * v->n + 1] = (uint32_t)n;
    lines[v->n] = (uint32_t)lineno;
    rawlen += n;
    SPR_TRYG(rc, spr_synth_vocab_add(v, &cap, line, n), cleanup);
  }
  if (ferror(f)) {
    rc = SPR_FAIL(SPR_EIO, "%s: read failed", path);
    goto cleanup;
  }
  if (v->n < SPR_SYNTH_VOCAB_MIN) {
    rc = SPR_FAIL(SPR_EPARSE, "%s: %u tokens, need at least %u", path, v->n, SPR_SYNTH_VOCAB_MIN);
    goto cleanup;
  }
  /* Duplicates: sort (offset, length, line) triples by token bytes. */
  {
    uint32_t *tri = malloc((size_t)v->n * 3 * sizeof *tri);
    if (!tri) {
      rc = SPR_FAIL(SPR_ENOMEM, "synth: out of memory");
      goto cleanup;
    }
    for (uint32_t t = 0; t < v->n; t++) {
      tri[3 * t] = pairs[2 * t];
      tri[3 * t + 1] = pairs[2 * t + 1];
      tri[3 * t + 2] = lines[t];
    }
    spr_synth_cmp_base = raw;
    qsort(tri, v->n, 3 * sizeof *tri, spr_synth_cmp_entry);
    for (uint32_t t = 1; t < v->n && rc == SPR_OK; t++)
      if (spr_synth_cmp_entry(tri + 3 * (t - 1), tri + 3 * t) == 0) {
        const uint32_t a = tri[3 * (t - 1) + 2], b = tri[3 * t + 2];
        rc = SPR_FAIL(SPR_EPARSE, "%s:%u: duplicate token '%.*s' (first on line %u)", path,
                      a > b ? a : b, (int)tri[3 * t + 1], raw + tri[3 * t], a < b ? a : b);
      }
    free(tri);
  }
cleanup:
  free(line);
  free(raw);
  free(pairs);
  free(lines);
  fclose(f);
  if (rc != SPR_OK) spr_synth_vocab_free(v);
  return rc;
}

/* Weights 0..255 as text, for the vector writer. */
static char spr_synth_num[256][4];
static uint8_t spr_synth_numlen[256];

static void spr_synth_num_init(void) {
  for (int w = 0; w < 256; w++) spr_synth_numlen[w] = (uint8_t)sprintf(spr_synth_num[w], "%d", w);
}

/* One JSON line {"id": "...", "vector": {...}} into dst (cap from spr_synth_line_cap). */
static size_t spr_synth_format(const spr_synth_vocab *v, const char *id, const uint32_t *terms,
                               const uint8_t *weights, size_t n, char *dst) {
  char *d = dst;
  d += sprintf(d, "{\"id\": \"%s\", \"vector\": {", id);
  for (size_t k = 0; k < n; k++) {
    if (k) {
      *d++ = ',';
      *d++ = ' ';
    }
    const uint32_t t = terms[k];
    const size_t len = v->off[t + 1] - v->off[t];
    memcpy(d, v->blob + v->off[t], len);
    d += len;
    memcpy(d, spr_synth_num[weights[k]], 4);
    d += spr_synth_numlen[weights[k]];
  }
  memcpy(d, "}}\n", 3);
  return (size_t)(d + 3 - dst);
}

static size_t spr_synth_line_cap(const spr_synth_vocab *v, size_t entries) {
  return 64 + SPR_SYNTH_ID_CAP + entries * (v->maxlen + 5);
}

/* Documents (kind 0) or queries (kind 1, with qrels) of the splade profile, in ordered batches:
 * every thread generates and formats items into their slots, then one thread writes the batch. */
static int spr_synth_emit_vec(const spr_synth_splade_params *p, const spr_synth_vocab *v, const uint64_t *perm,
                              const uint64_t *inv, int kind, FILE *f, FILE *fq) {
  const uint64_t n = kind == 0 ? p->ndocs : p->nqueries;
  const size_t ws = spr_synth_splade_workspace_size(p);
  const size_t ecap = kind == 0 ? spr_synth_splade_doc_bound(p) : spr_synth_splade_query_bound(p);
  const size_t lcap = spr_synth_line_cap(v, ecap);
  char *lines = malloc((size_t)SPR_SYNTH_BATCH * lcap);
  size_t *lens = malloc(SPR_SYNTH_BATCH * sizeof *lens);
  uint64_t *docs = malloc(SPR_SYNTH_BATCH * sizeof *docs);
  int *rcs = malloc(SPR_SYNTH_BATCH * sizeof *rcs);
  int rc = SPR_OK;
  if (!lines || !lens || !docs || !rcs) {
    rc = SPR_FAIL(SPR_ENOMEM, "synth: out of memory");
    goto cleanup;
  }
  int failed = 0; /* shared; written only inside `single`, read after its barrier */
#pragma omp parallel
  {
    uint64_t *work = malloc(ws); /* uint64_t: 8-byte aligned */
    uint32_t *terms = malloc(ecap * sizeof *terms);
    uint8_t *weights = malloc(ecap);
    for (uint64_t start = 0; start < n; start += SPR_SYNTH_BATCH) {
      const uint32_t cnt = (uint32_t)(n - start < SPR_SYNTH_BATCH ? n - start : SPR_SYNTH_BATCH);
#pragma omp for schedule(dynamic, 16)
      for (uint32_t j = 0; j < cnt; j++) {
        int64_t r;
        if (!work || !terms || !weights)
          r = SPR_FAIL(SPR_ENOMEM, "synth: out of memory");
        else if (kind == 0)
          r = spr_synth_splade_doc(p, perm ? perm[start + j] : start + j, work, ws, terms, weights, ecap);
        else
          r = spr_synth_splade_query(p, start + j, work, ws, &docs[j], terms, weights, ecap);
        rcs[j] = r < 0 ? (int)r : SPR_OK;
        if (r >= 0) {
          char id[SPR_SYNTH_ID_CAP];
          if (kind == 0)
            spr_synth_doc_id(start + j, id, sizeof id);
          else
            snprintf(id, sizeof id, "q%" PRIu64, start + j + 1);
          lens[j] = spr_synth_format(v, id, terms, weights, (size_t)r, lines + (size_t)j * lcap);
        }
      }
#pragma omp single
      {
        for (uint32_t j = 0; j < cnt && !failed; j++) {
          if (rcs[j] < 0) {
            rc = SPR_FAIL(rcs[j], "synth: generating item %" PRIu64 " failed: %s", start + j,
                          spr_strerror(rcs[j]));
            failed = 1;
            break;
          }
          fwrite(lines + (size_t)j * lcap, 1, lens[j], f);
          if (kind == 1) {
            char did[SPR_SYNTH_ID_CAP];
            spr_synth_doc_id(inv ? inv[docs[j]] : docs[j], did, sizeof did);
            fprintf(fq, "q%" PRIu64 " 0 %s 1\n", start + j + 1, did);
          }
        }
      }
      if (failed) break;
    }
    free(work);
    free(terms);
    free(weights);
  }
cleanup:
  free(lines);
  free(lens);
  free(docs);
  free(rcs);
  return rc;
}

/* The --shuffle permutation and its inverse (both NULL when not shuffling). */
static int spr_synth_perm_create(int shuffle, uint64_t seed, uint64_t n, uint64_t **perm, uint64_t **inv) {
  *perm = *inv = NULL;
  if (!shuffle) return SPR_OK;
  *perm = malloc((n ? n : 1) * sizeof **perm);
  *inv = malloc((n ? n : 1) * sizeof **inv);
  if (!*perm || !*inv) {
    free(*perm), free(*inv);
    *perm = *inv = NULL;
    return SPR_FAIL(SPR_ENOMEM, "synth: out of memory (--shuffle of %" PRIu64 " documents)", n);
  }
  spr_synth_shuffle(seed, n, *perm);
  for (uint64_t j = 0; j < n; j++) (*inv)[(*perm)[j]] = j;
  return SPR_OK;
}

static const char spr_synth_shuffle_note[] =
    "\n## Shuffled\n"
    "Generated with `--shuffle`: the documents are the ones above in a random order (from the seed),\n"
    "numbered d0000001... in that order, and qrels.txt names the new ids. Topical clusters are no\n"
    "longer runs of consecutive docids.\n";

static int spr_synth_write_readme_vec(const spr_synth_splade_params *p, const char *vocab_file, int shuffle,
                                      FILE *f) {
  char vocab_arg[64] = "";
  if (!vocab_file) snprintf(vocab_arg, sizeof vocab_arg, " --vocab %u", p->vocab);
  fprintf(f,
          "# Synthetic collection (spire synth, profile splade)\n\n"
          "Generated by spire %s. Regenerate the identical bytes with:\n\n"
          "```\n"
          "spire synth --profile splade --docs %" PRIu64 " --queries %" PRIu64 " --seed %" PRIu64
          "%s%s%s --doc-terms %u --query-terms %u --cluster-docs %u --cluster-terms %u%s --output DIR\n"
          "```\n\n"
          "| parameter | value |\n| --- | --- |\n"
          "| documents | %" PRIu64 " |\n| queries | %" PRIu64 " |\n| seed | %" PRIu64 " |\n"
          "| vocabulary | %u %s |\n"
          "| non-zeros per document | %u-%u (mean %u) |\n"
          "| non-zeros per query | %u-%u%s |\n"
          "| documents per cluster | about %u (geometric), %u topic terms each |\n\n"
          "## Files\n"
          "- `docs.jsonl`: `{\"id\": \"d0000001\", \"vector\": {\"token\": 12, ...}}` per line "
          "(Anserini's JsonVectorCollection; integer weights 1-255).\n"
          "- `queries.jsonl`: `{\"id\": \"q1\", \"vector\": {...}}` per line, the same format.\n"
          "- `qrels.txt`: `qid 0 docid 1` per line: each query has exactly one relevant document, "
          "the one it was drawn from.\n\n"
          "## Model\n"
          "Documents come in topical clusters of consecutive docids (as after document reordering);\n"
          "each draws distinct terms 40%% from its cluster's topic list, 15%% from its domain's list\n"
          "(32 clusters' worth of docids), 10%% from the 1%% most frequent terms and 35%% from a\n"
          "Zipf law over the vocabulary, each with a log-normal integer weight (most 1-30, a few up\n"
          "to 255). A query takes a random document and samples %s of its terms by weight, then\n"
          "adds terms of the document's cluster (60%%), domain (25%%) and noise (15%%).\n"
          "See docs/synth.md in the spire sources.\n",
          SPR_VERSION, p->ndocs, p->nqueries, p->seed, vocab_arg, vocab_file ? " --vocab-file " : "",
          vocab_file ? vocab_file : "", p->doc_terms, p->query_terms, p->cluster_docs,
          p->cluster_terms, shuffle ? " --shuffle" : "", p->ndocs, p->nqueries, p->seed, p->vocab,
          vocab_file ? "tokens from the vocabulary file" : "generated WordPiece-like tokens",
          p->doc_terms - p->doc_terms / 2, p->doc_terms + p->doc_terms / 2, p->doc_terms,
          p->query_terms < 8 ? (p->query_terms > 1 ? p->query_terms - 1 : 1)
                             : p->query_terms - p->query_terms / 4,
          p->query_terms < 8 ? p->query_terms : p->query_terms + p->query_terms / 4,
          p->query_terms < 8 ? " (the inference-free shape)" : "", p->cluster_docs,
          p->cluster_terms, p->query_terms < 8 ? "60%" : "35%");
  if (shuffle) fputs(spr_synth_shuffle_note, f);
  return ferror(f) ? SPR_FAIL(SPR_EIO, "README.md: write failed") : SPR_OK;
}

static int spr_synth_generate_vec(spr_synth_splade_params *p, const char *vocab_file, int shuffle,
                                  const char *dir) {
  spr_synth_vocab v;
  if (vocab_file) {
    SPR_TRY(spr_synth_vocab_load(&v, vocab_file));
    p->vocab = v.n;
    const int crc = spr_synth_splade_check(p);
    if (crc != SPR_OK) {
      spr_synth_vocab_free(&v);
      return SPR_FAIL(crc, "%s: %s", vocab_file, spr_last_message());
    }
  } else {
    SPR_TRY(spr_synth_vocab_generate(&v, p->vocab));
  }
  spr_synth_num_init();
  uint64_t *perm = NULL, *inv = NULL;
  int rc = spr_synth_perm_create(shuffle, p->seed, p->ndocs, &perm, &inv);
  if (rc == SPR_OK) rc = spr_synth_mkdirs(dir);
  spr_out docs, queries, qrels, readme;
  if (rc == SPR_OK) {
    rc = spr_synth_open(&docs, dir, "docs.jsonl");
    if (rc == SPR_OK) rc = spr_synth_emit_vec(p, &v, perm, inv, 0, docs.f, NULL);
    rc = spr_out_close(&docs, rc);
  }
  if (rc == SPR_OK) {
    rc = spr_synth_open(&queries, dir, "queries.jsonl");
    const int rc2 = spr_synth_open(&qrels, dir, "qrels.txt");
    if (rc == SPR_OK) rc = rc2;
    if (rc == SPR_OK) rc = spr_synth_emit_vec(p, &v, perm, inv, 1, queries.f, qrels.f);
    rc = spr_out_close(&queries, rc);
    rc = spr_out_close(&qrels, rc);
  }
  if (rc == SPR_OK) {
    rc = spr_synth_open(&readme, dir, "README.md");
    if (rc == SPR_OK) rc = spr_synth_write_readme_vec(p, vocab_file, shuffle, readme.f);
    rc = spr_out_close(&readme, rc);
  }
  free(perm);
  free(inv);
  spr_synth_vocab_free(&v);
  return rc;
}

static int spr_synth_write_readme(const spr_synth_params *p, const char *profile, int shuffle, FILE *f) {
  fprintf(f,
          "# Synthetic collection (spire synth, profile %s)\n\n"
          "Generated by spire %s. Regenerate the identical bytes with:\n\n"
          "```\n"
          "spire synth --profile %s --docs %" PRIu64 " --queries %" PRIu64 " --seed %" PRIu64
          " --vocab %u --topics %u --min-len %u --max-len %u%s --output DIR\n"
          "```\n\n"
          "| parameter | value |\n| --- | --- |\n"
          "| documents | %" PRIu64 " |\n| queries | %" PRIu64 " |\n| seed | %" PRIu64 " |\n"
          "| vocabulary | %u pseudo-words |\n| topics | %u (each %u words) |\n"
          "| text length | %u-%u words (plus a 3-8 word title) |\n\n"
          "## Files\n"
          "- `corpus.jsonl`: `{\"id\": \"d0000001\", \"title\": \"...\", \"text\": \"...\"}` per line.\n"
          "- `queries.tsv`: `qid<TAB>text` per line.\n"
          "- `qrels.txt`: `qid 0 docid 1` per line: each query has exactly one relevant document.\n\n"
          "## Model\n"
          "Words are lowercase consonant-vowel pseudo-words of 2-4 syllables ending in a, o or u:\n"
          "none is an English stop word and Porter stemming leaves them unchanged. Text tokens are\n"
          "15%% English stop words (the, of, and, ...), and otherwise drawn from a Zipf-like law over\n"
          "the whole vocabulary (55%%) or from the document's two topics (45%%; 80/20), each topic a\n"
          "Zipf-like law over its own words from the rarer part of the vocabulary. A known-item\n"
          "query takes one document at random and 2-6 of its distinct words, sampled with weights\n"
          "favouring rare words; each word but one is swapped with probability 35%% for a word not in\n"
          "the document (a misremembered word), and 30%% of the queries get one extra such word.\n",
          profile, SPR_VERSION, profile, p->ndocs, p->nqueries, p->seed, p->vocab,
          spr_synth_topics(p), p->min_len, p->max_len, shuffle ? " --shuffle" : "", p->ndocs, p->nqueries, p->seed, p->vocab,
          spr_synth_topics(p), p->topic_words, p->min_len, p->max_len);
  if (shuffle) fputs(spr_synth_shuffle_note, f);
  return ferror(f) ? SPR_FAIL(SPR_EIO, "README.md: write failed") : SPR_OK;
}

static int spr_synth_generate(const spr_synth_params *p, const char *profile, int shuffle, const char *dir) {
  SPR_TRY(spr_synth_mkdirs(dir));
  uint64_t *perm = NULL, *inv = NULL;
  SPR_TRY(spr_synth_perm_create(shuffle, p->seed, p->ndocs, &perm, &inv));
  spr_out corpus, queries, qrels, readme;
  int rc = spr_synth_open(&corpus, dir, "corpus.jsonl");
  if (rc == SPR_OK) rc = spr_synth_emit(p, perm, inv, 0, corpus.f, NULL);
  rc = spr_out_close(&corpus, rc);
  if (rc == SPR_OK) {
    rc = spr_synth_open(&queries, dir, "queries.tsv");
    const int rc2 = spr_synth_open(&qrels, dir, "qrels.txt");
    if (rc == SPR_OK) rc = rc2;
    if (rc == SPR_OK) rc = spr_synth_emit(p, perm, inv, 1, queries.f, qrels.f);
    rc = spr_out_close(&queries, rc);
    rc = spr_out_close(&qrels, rc);
  }
  free(perm);
  free(inv);
  if (rc != SPR_OK) return rc;
  rc = spr_synth_open(&readme, dir, "README.md");
  if (rc == SPR_OK) rc = spr_synth_write_readme(p, profile, shuffle, readme.f);
  return spr_out_close(&readme, rc);
}

int spr_cmd_synth(const spr_comm *world, int argc, char **argv) {
  static const char cmd[] = "synth";
  if (spr_cli_has_help(argc, argv)) {
    if (world->rank == 0) spr_synth_help(stdout);
    return SPR_EXIT_OK;
  }
  const char *profile = "known-item", *output = NULL, *vocab_file = NULL;
  uint64_t docs = 0, queries = 0, seed = 1, vocab = 0, topics = 0, min_len = 20, max_len = 300;
  uint64_t doc_terms = 120, query_terms = 44, cluster_docs = 256, cluster_terms = 400;
  int have_docs = 0, have_queries = 0, have_vocab = 0, shuffle = 0;
  const char *text_only = NULL, *vec_only = NULL; /* an option of one profile, for the error */
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strncmp(a, "--", 2) != 0) return spr_cli_usage_error(world, cmd, "unexpected argument '%s'", a);
    if (!strcmp(a, "--shuffle")) { /* a flag: no value */
      shuffle = 1;
      continue;
    }
    if (i + 1 >= argc) return spr_cli_usage_error(world, cmd, "option %s needs a value", a);
    const char *v = argv[++i];
    uint64_t *num = NULL, max = UINT64_MAX;
    if (!strcmp(a, "--profile")) {
      profile = v;
    } else if (!strcmp(a, "--output")) {
      output = v;
    } else if (!strcmp(a, "--docs")) {
      num = &docs, have_docs = 1;
    } else if (!strcmp(a, "--queries")) {
      num = &queries, have_queries = 1;
    } else if (!strcmp(a, "--seed")) {
      num = &seed;
    } else if (!strcmp(a, "--vocab")) {
      num = &vocab, max = UINT32_MAX, have_vocab = 1;
    } else if (!strcmp(a, "--topics")) {
      num = &topics, max = UINT32_MAX, text_only = a;
    } else if (!strcmp(a, "--min-len")) {
      num = &min_len, max = UINT32_MAX, text_only = a;
    } else if (!strcmp(a, "--max-len")) {
      num = &max_len, max = UINT32_MAX, text_only = a;
    } else if (!strcmp(a, "--vocab-file")) {
      vocab_file = v, vec_only = a;
    } else if (!strcmp(a, "--doc-terms")) {
      num = &doc_terms, max = UINT32_MAX, vec_only = a;
    } else if (!strcmp(a, "--query-terms")) {
      num = &query_terms, max = UINT32_MAX, vec_only = a;
    } else if (!strcmp(a, "--cluster-docs")) {
      num = &cluster_docs, max = UINT32_MAX, vec_only = a;
    } else if (!strcmp(a, "--cluster-terms")) {
      num = &cluster_terms, max = UINT32_MAX, vec_only = a;
    } else {
      return spr_cli_usage_error(world, cmd, "unknown option '%s'", a);
    }
    if (num && spr_synth_parse_u64(v, max, num) != 0)
      return spr_cli_usage_error(world, cmd, "%s: '%s' is not a non-negative integer%s", a, v,
                                 max == UINT32_MAX ? " below 2^32" : "");
  }
  const int splade = !strcmp(profile, "splade");
  if (!splade && strcmp(profile, "known-item") != 0)
    return spr_cli_usage_error(world, cmd, "unknown profile '%s' (known-item, splade)", profile);
  if (splade && text_only)
    return spr_cli_usage_error(world, cmd, "%s applies to the known-item profile only", text_only);
  if (!splade && vec_only)
    return spr_cli_usage_error(world, cmd, "%s applies to the splade profile only", vec_only);
  if (vocab_file && have_vocab)
    return spr_cli_usage_error(world, cmd, "--vocab and --vocab-file exclude each other");
  if (vocab_file && !*vocab_file) return spr_cli_usage_error(world, cmd, "--vocab-file: empty path");
  if (!have_docs) return spr_cli_usage_error(world, cmd, "missing --docs");
  if (!have_queries) return spr_cli_usage_error(world, cmd, "missing --queries");
  if (!output || !*output) return spr_cli_usage_error(world, cmd, "missing --output");

  int rc = SPR_OK;
  if (splade) {
    spr_synth_splade_params p;
    spr_synth_splade_init(&p, docs, queries, seed);
    if (have_vocab) p.vocab = (uint32_t)vocab;
    p.doc_terms = (uint32_t)doc_terms;
    p.query_terms = (uint32_t)query_terms;
    p.cluster_docs = (uint32_t)cluster_docs;
    p.cluster_terms = (uint32_t)cluster_terms;
    /* With a vocabulary file the size is known only after reading it (rank 0, below). */
    if (!vocab_file && spr_synth_splade_check(&p) != SPR_OK) {
      const char *m = spr_last_message();
      return spr_cli_usage_error(world, cmd, "%s", strncmp(m, "synth: ", 7) ? m : m + 7);
    }
    if (world->rank == 0) rc = spr_synth_generate_vec(&p, vocab_file, shuffle, output);
    return spr_cli_finish(world, cmd, rc);
  }
  spr_synth_params p;
  spr_synth_params_init(&p, docs, queries, seed);
  if (have_vocab) p.vocab = (uint32_t)vocab;
  p.topics = (uint32_t)topics;
  p.min_len = (uint32_t)min_len;
  p.max_len = (uint32_t)max_len;
  if (p.topic_words > p.vocab / 2 && p.vocab >= 20) p.topic_words = p.vocab / 2;
  if (spr_synth_params_check(&p) != SPR_OK) {
    const char *m = spr_last_message();
    return spr_cli_usage_error(world, cmd, "%s", strncmp(m, "synth: ", 7) ? m : m + 7);
  }
  if (world->rank == 0) rc = spr_synth_generate(&p, profile, shuffle, output);
  return spr_cli_finish(world, cmd, rc);
}
