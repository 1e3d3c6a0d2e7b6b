/* spr_synth.h: deterministic synthetic collections: known-item text (documents, queries, qrels)
 * and SPLADE-like term vectors (the "splade" profile, at the end of this header).
 * Pure: no I/O, MPI, globals or allocation. Local; every function is reentrant and may run on any
 * OpenMP thread. Document i and query q are functions of (params, i) and (params, q) alone, so the
 * output bytes never depend on thread or rank counts.
 *
 * The model ("known-item" profile):
 * - Vocabulary: `vocab` pseudo-words. Word id w is spelled from consonant-vowel syllables, shorter
 *   for smaller ids (frequent words are short, as in English). Every word has at least two
 *   syllables and ends in a, o or u, so no word is an English stop word and Porter stemming leaves
 *   every word unchanged (hence distinct after an English analyzer).
 * - Background tokens: word id drawn from a Zipf-like law over [0, vocab) (P(w) ~ (w+1.5)^-zipf).
 * - Topical tokens: each document has a primary and a secondary topic; a topic is a Zipf-like law
 *   over its own list of `topic_words` words, drawn from the rarer part of the vocabulary.
 * - About 15% of text tokens are real English stop words ("the", "of", ...), for realism.
 * - Text length uniform-squared in [min_len, max_len] words; titles are 3-8 topical words.
 * - Known-item query q: a source document (uniform), 2-6 of its distinct words sampled without
 *   replacement with weights favouring rare words (p(word)^-0.3). Noise: each word but one is
 *   "misremembered" (35%: swapped for a topical or background word not in the document), and
 *   30% of the queries get one extra such word. Its qrel is that document, grade 1.
 *   BM25 reaches MRR about 0.86 / 0.77 / 0.73 on 1k / 5k / 20k documents.
 * Floating point uses libm exp/log: bytes are identical for identical arguments on one platform. */
#ifndef SPR_SYNTH_H
#define SPR_SYNTH_H
#include <stddef.h>
#include <stdint.h>

#include "spr_status.h"

#define SPR_SYNTH_VOCAB_MIN 1000u
#define SPR_SYNTH_VOCAB_MAX 1000000u
#define SPR_SYNTH_LEN_MAX 100000u
#define SPR_SYNTH_TOPICS_MAX 100000u
#define SPR_SYNTH_ID_CAP 24u /* bytes that always hold a document or query id and its NUL */

typedef struct spr_synth_params {
  uint64_t seed;
  uint64_t ndocs;       /* >= 1 */
  uint64_t nqueries;    /* >= 0 */
  uint32_t vocab;       /* [SPR_SYNTH_VOCAB_MIN, SPR_SYNTH_VOCAB_MAX], default 30000 */
  uint32_t topics;      /* 0 = automatic: clamp(sqrt(ndocs), 4, 400) */
  uint32_t topic_words; /* words per topic, default 2000 (at most vocab/2) */
  uint32_t min_len;     /* text words, default 20, >= 1 */
  uint32_t max_len;     /* text words, default 300, [min_len, SPR_SYNTH_LEN_MAX] */
  double zipf;          /* Zipf exponent of word laws, [1, 3] */
} spr_synth_params;

/* Local. Fill p with the defaults for the given sizes and seed. Never fails. */
void spr_synth_params_init(spr_synth_params *p, uint64_t ndocs, uint64_t nqueries, uint64_t seed);
/* Local. SPR_EINVAL (with a message naming the parameter) if p is out of range. */
SPR_NODISCARD int spr_synth_params_check(const spr_synth_params *p);
/* Local. The number of topics actually used (resolves topics == 0). */
uint32_t spr_synth_topics(const spr_synth_params *p);

/* Capacities (NUL included) sufficient for any title, text or query of p. Never fail. */
size_t spr_synth_title_bound(const spr_synth_params *p);
size_t spr_synth_text_bound(const spr_synth_params *p);
size_t spr_synth_query_bound(const spr_synth_params *p);
/* Bytes of scratch that spr_synth_doc and spr_synth_query need (8-byte aligned). */
size_t spr_synth_workspace_size(const spr_synth_params *p);

/* Local. External ids, 1-based and zero-padded: doc i -> "d0000001" (i = 0), query q -> "q000001".
 * cap >= SPR_SYNTH_ID_CAP. */
void spr_synth_doc_id(uint64_t i, char *dst, size_t cap);
void spr_synth_query_id(uint64_t q, char *dst, size_t cap);

/* Local. Spell word id w (< SPR_SYNTH_VOCAB_MAX) into dst (cap >= 16). Returns the length. */
size_t spr_synth_word(uint32_t w, char *dst, size_t cap);

/* Local. Document i (< ndocs): NUL-terminated lowercase title and text (words separated by one
 * space). Caller owns every buffer; caps from the bounds above, work from workspace_size.
 * Returns the text length, or SPR_EINVAL (bad params or i), SPR_ENOSPACE (buffer too small). */
SPR_NODISCARD int64_t spr_synth_doc(const spr_synth_params *p, uint64_t i, void *work,
                                    size_t work_size, char *title, size_t title_cap, char *text,
                                    size_t text_cap);

/* Local. Known-item query q (< nqueries): its NUL-terminated text and, in *doc, the index of the
 * one relevant document. Returns the text length, or SPR_EINVAL, SPR_ENOSPACE as above. */
SPR_NODISCARD int64_t spr_synth_query(const spr_synth_params *p, uint64_t q, void *work,
                                      size_t work_size, uint64_t *doc, char *text, size_t text_cap);
/* ---------------------------------------------------------------------------------------------
 * The "splade" profile: SPLADE-like weighted term vectors (see docs/synth.md).
 * - Vocabulary: `vocab` term ids (default 30,522 as BERT's). Term id t is spelled by
 *   spr_synth_wordpiece() (a WordPiece-looking token, lowercase ASCII, unique) unless the caller
 *   spells it from its own vocabulary file. Smaller ids are more frequent.
 * - Clusters in docid order (as after document reordering): doc b starts a new cluster when a
 *   hash of (seed, b) is 0 modulo `cluster_docs` (and at every multiple of 8 × cluster_docs), so
 *   cluster sizes are geometric with mean about cluster_docs. Each cluster has a topic list of
 *   `cluster_terms` terms, and each run of 32 × cluster_docs docids (a domain) a list of
 *   4 × cluster_terms terms; both lists are drawn from the vocabulary outside its 1% most frequent.
 * - Document: nnz uniform in [doc_terms - doc_terms/2, doc_terms + doc_terms/2] distinct terms,
 *   drawn 40% from the cluster list (Zipf over ranks), 15% from the domain list, 10% from the 1%
 *   most frequent terms, 35% from a Zipf law over the whole vocabulary. Weights are log-normal
 *   integers in [1, 255] (median about 8-14 by source; most 1-30, a few up to 255).
 * - Query q: a source document d (uniform); query_terms >= 8: nnz uniform in
 *   [m - m/4, m + m/4] for m = query_terms; query_terms < 8 (the inference-free shape): nnz in
 *   [m - 1, m]. About 35% (60% for m < 8) are terms of d sampled by weight without replacement,
 *   weighted about like in d; the rest come from d's cluster list, its domain list and noise
 *   (Zipf over the vocabulary). Its one relevant document is d.
 * Same guarantees as above: document i and query q depend on (params, i) and (params, q) only. */
#define SPR_SYNTH_SPLADE_VOCAB 30522u
#define SPR_SYNTH_TOKEN_CAP 16u      /* bytes that always hold a generated token and its NUL */
#define SPR_SYNTH_TERMS_MAX 4096u    /* largest doc_terms / query_terms */
#define SPR_SYNTH_CLUSTER_MAX 4096u  /* largest cluster_docs */

typedef struct spr_synth_splade_params {
  uint64_t seed;
  uint64_t ndocs;         /* >= 1 */
  uint64_t nqueries;      /* >= 0 */
  uint32_t vocab;         /* [SPR_SYNTH_VOCAB_MIN, SPR_SYNTH_VOCAB_MAX], default 30522 */
  uint32_t doc_terms;     /* mean non-zeros per document, default 120, [1, min(TERMS_MAX, vocab/8)] */
  uint32_t query_terms;   /* default 44, same range; < 8 selects the inference-free shape */
  uint32_t cluster_docs;  /* mean documents per cluster, default 256, [1, SPR_SYNTH_CLUSTER_MAX] */
  uint32_t cluster_terms; /* terms in a cluster's topic list, default 400, [10, vocab/8] */
} spr_synth_splade_params;

/* Local. Defaults (30,522 terms, 120 per document, 44 per query, clusters of about 256 documents
 * with 400 topic terms). Never fails. */
void spr_synth_splade_init(spr_synth_splade_params *p, uint64_t ndocs, uint64_t nqueries,
                           uint64_t seed);
/* Local. SPR_EINVAL (with a message naming the parameter) if p is out of range. */
SPR_NODISCARD int spr_synth_splade_check(const spr_synth_splade_params *p);
/* Entries that always hold a document / a query of p. Never fail. */
size_t spr_synth_splade_doc_bound(const spr_synth_splade_params *p);
size_t spr_synth_splade_query_bound(const spr_synth_splade_params *p);
/* Bytes of scratch that spr_synth_splade_doc and spr_synth_splade_query need (8-byte aligned). */
size_t spr_synth_splade_workspace_size(const spr_synth_splade_params *p);

/* Local. Spell term id t (< SPR_SYNTH_VOCAB_MAX) as a WordPiece-looking token into dst
 * (cap >= SPR_SYNTH_TOKEN_CAP): one in five ids is a continuation piece "##..." and the others
 * words of consonant-vowel syllables, shorter for smaller ids. Distinct ids give distinct tokens;
 * every character is in [a-z#]. Returns the length. */
size_t spr_synth_wordpiece(uint32_t t, char *dst, size_t cap);

/* Local. The first docid of the cluster of document i (i < ndocs): documents with equal values
 * share a cluster. */
uint64_t spr_synth_splade_cluster(const spr_synth_splade_params *p, uint64_t i);

/* Local. Document i (< ndocs): nnz distinct term ids in terms[] (in draw order) and their weights
 * in [1, 255]; cap >= spr_synth_splade_doc_bound(p). Caller owns every buffer.
 * Returns nnz (>= 1), or SPR_EINVAL (bad params, i or workspace), SPR_ENOSPACE (cap too small). */
SPR_NODISCARD int64_t spr_synth_splade_doc(const spr_synth_splade_params *p, uint64_t i,
                                           void *work, size_t work_size, uint32_t *terms,
                                           uint8_t *weights, size_t cap);

/* Local. Query q (< nqueries): as above with cap >= spr_synth_splade_query_bound(p), and in *doc
 * the index of its one relevant (source) document. Returns nnz (>= 1), or SPR_EINVAL, SPR_ENOSPACE. */
SPR_NODISCARD int64_t spr_synth_splade_query(const spr_synth_splade_params *p, uint64_t q,
                                             void *work, size_t work_size, uint64_t *doc,
                                             uint32_t *terms, uint8_t *weights, size_t cap);

/* Local. The shuffle of `spire synth --shuffle`: a uniformly random permutation of [0, n) (Fisher-Yates
 * from xoshiro256** seeded by seed), perm[j] = the generated item written at position j. The same
 * (seed, n) always gives the same permutation. Caller owns perm (n entries). Never fails. */
void spr_synth_shuffle(uint64_t seed, uint64_t n, uint64_t *perm);
#endif /* SPR_SYNTH_H */
