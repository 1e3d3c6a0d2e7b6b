/* spr_bp.h: document reordering by recursive graph bisection (BP; Dhulipala et al., KDD 2016,
 * as in PISA). Pure: no I/O, MPI or allocation; the caller passes the workspace. docs/reorder.md.
 *
 * The algorithm, exactly (mpi/spr_reorder.c reproduces it across ranks, so every step is
 * specified to the bit):
 * - A part is a sequence of documents; a document's position in it is its `pos` (0-based).
 *   A part of n documents is bisected when n > min_docs and n >= 2; otherwise it stays in order.
 * - Bisection: side A = positions [0, n/2), side B = [n/2, n) (n/2 rounded down, see
 *   spr_bp_left_size). For each of `iterations` rounds: integer degrees dA[t], dB[t] (documents
 *   of A / B that contain term t); every document's gain of moving to the other side is
 *   spr_bp_doc_gain() (a sum over its terms, ascending, of spr_bp_move_gain()); sort each side by
 *   (gain descending, pos ascending); swap the first k pairs, k = spr_bp_swap_count(). A round
 *   with k = 0 ends the bisection early.
 * - Then the part is replaced by its A documents followed by its B documents, each side in
 *   increasing pos (a stable partition), and both halves are bisected recursively.
 * The cost behind the gains, for term t with d1 documents among n1 on one side and d2 among n2 on
 * the other, is d1 log2(n1 / (d1 + 1)) + d2 log2(n2 / (d2 + 1)) (the log-gap approximation). Degrees
 * are integers, and log2 values come from spr_bp_log2_table(): the result does not depend on the
 * thread count, nor on how documents are spread over ranks. */
#ifndef SPR_BP_H
#define SPR_BP_H
#include <stddef.h>
#include <stdint.h>

#include "spr_status.h"

#define SPR_BP_DEFAULT_ITERATIONS 20u

typedef struct spr_bp_params {
  uint32_t iterations; /* swap rounds per bisection, >= 1 */
  uint32_t min_docs;   /* parts of at most this many documents are not bisected, >= 1 */
  uint32_t team_min_docs; /* parts at least this large are bisected by all threads together, smaller
                             ones by one thread each; 0 = 16384. Speed only: never changes the order */
} spr_bp_params;

/* A document's sort key within one side of a bisection. */
typedef struct spr_bp_key {
  double gain;  /* the gain of moving to the other side */
  uint32_t pos; /* position in the part being bisected: unique, the tie-break */
  uint32_t reserved;
} spr_bp_key;

/* Size of side A of a part of n documents. Never fails. */
static inline uint64_t spr_bp_left_size(uint64_t n) { return n / 2; }

/* Local. lg[i] = log2(i) for 1 <= i < n, lg[0] = 0. Never fails. */
void spr_bp_log2_table(double *lg, uint64_t n);

/* Local. Gain (cost before - cost after) for one term of moving one document that has it from a
 * side with d_from of n_from documents having the term to the side with d_to of n_to. d_from >= 1;
 * lg from spr_bp_log2_table with at least max(n_from, n_to) + 2 entries. */
double spr_bp_move_gain(uint32_t d_from, uint32_t d_to, uint64_t n_from, uint64_t n_to, const double *lg);

/* Local. A document's gain of moving: the sum over its n terms (ascending) of spr_bp_move_gain with
 * the degrees of its side (deg_from, n_from) and of the other (deg_to, n_to). */
double spr_bp_doc_gain(const uint32_t *terms, size_t n, const uint32_t *deg_from, const uint32_t *deg_to,
                       uint64_t n_from, uint64_t n_to, const double *lg);

/* Local. Sort keys by gain descending, then pos ascending (a total order: pos is unique). */
void spr_bp_keys_sort(spr_bp_key *keys, size_t n);
/* Local. 1 if key a comes before key b in that order, else 0. */
int spr_bp_key_before(const spr_bp_key *a, const spr_bp_key *b);
/* Local. How many pairs to swap: the largest k <= min(na, nb) with a[i].gain + b[i].gain > 0 for all
 * i < k, a and b sorted by spr_bp_keys_sort. */
uint64_t spr_bp_swap_count(const spr_bp_key *a, uint64_t na, const spr_bp_key *b, uint64_t nb);

/* Bytes of workspace spr_bp_order needs for n_docs documents, n_terms terms and n_threads OpenMP
 * threads (8-byte aligned start). Never fails. */
size_t spr_bp_workspace_size(uint64_t n_docs, uint32_t n_terms, int n_threads);

/* Local; opens one OpenMP parallel region of n_threads threads (>= 1). Reorder n_docs documents by
 * recursive graph bisection: document i has the ascending term ids terms[off[i], off[i+1]), each
 * < n_terms (off[0] need not be 0). On return perm[j] is the input index of the document at new
 * position j (a permutation of [0, n_docs)). work has spr_bp_workspace_size(n_docs, n_terms,
 * n_threads) bytes, 8-byte aligned. The result depends on p and the input only, never on n_threads.
 * Returns SPR_EINVAL (bad params, n_docs >= 2^32, a term id >= n_terms, workspace too small). */
SPR_NODISCARD int spr_bp_order(const spr_bp_params *p, uint64_t n_docs, const uint64_t *off, const uint32_t *terms,
                               uint32_t n_terms, uint32_t *perm, void *work, size_t work_size, int n_threads);
#endif /* SPR_BP_H */
