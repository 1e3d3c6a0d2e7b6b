/* spr_coll.h: every MPI collective spire uses, each wrapped once, on a duplicated communicator
 * with MPI_ERRORS_RETURN. MPI failures become SPR_EMPI with MPI_Error_string in the message. */
#ifndef SPR_COLL_H
#define SPR_COLL_H
#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "spr_status.h"
#include "spr_topk.h"

typedef struct spr_comm {
  MPI_Comm comm; /* owned: a dup of MPI_COMM_WORLD (or of the parent) */
  int rank;
  int size;
} spr_comm;

/* Collective on MPI_COMM_WORLD. MPI_Init_thread (FUNNELED) unless already initialized, then dup. */
SPR_NODISCARD int spr_mpi_init(int *argc, char ***argv, spr_comm *world);
/* Collective. Frees the communicator and finalizes MPI if spr_mpi_init initialized it. */
void spr_mpi_finalize(spr_comm *world);
/* Collective. Number of ranks of c on this node (MPI_COMM_TYPE_SHARED). */
SPR_NODISCARD int spr_mpi_node_size(const spr_comm *c, int *out);
/* Local. Only drivers call this: ends every rank. */
void spr_mpi_abort(const spr_comm *c, int code);

/* Collective. Agree on the outcome of local work: returns rc if rc < 0, SPR_EPEER if this rank
 * succeeded but another failed, SPR_OK if all succeeded (or SPR_EMPI if the allreduce fails). */
SPR_NODISCARD int spr_mpi_agree(const spr_comm *c, int rc);
/* Local. Failure injection for tests: when the environment variable SPR_TEST_FAIL is "STAGE" or
 * "STAGE:RANK" naming this stage (and this rank), return an SPR_EIO failure saying so; otherwise
 * return rc unchanged. Stages are listed in docs/reliability.md. */
SPR_NODISCARD int spr_test_fault(const spr_comm *c, const char *stage, int rc);
/* Local. Pause hook for tests: when SPR_TEST_PAUSE names this point, rank 0 creates the file
 * $SPR_TEST_PAUSE_FILE and sleeps (300 s) unless that file exists already (a rerun goes on), so a
 * test can kill a job at a known point; the other ranks go on to the next collective and wait
 * there. Points are listed in docs/reliability.md. */
void spr_test_pause(const spr_comm *c, const char *where);
/* Collective. After a failed agree: the message of the lowest rank that failed with its own error
 * (not SPR_EPEER) is copied into msg on rank 0 (msg may be NULL elsewhere). */
void spr_mpi_error_message(const spr_comm *c, int rc, char *msg, size_t cap);

SPR_NODISCARD int spr_mpi_barrier(const spr_comm *c);
/* In-place reductions over all ranks. Collective. */
SPR_NODISCARD int spr_mpi_sum_u64(const spr_comm *c, uint64_t *buf, size_t n);
SPR_NODISCARD int spr_mpi_max_u64(const spr_comm *c, uint64_t *buf, size_t n);
SPR_NODISCARD int spr_mpi_min_u64(const spr_comm *c, uint64_t *buf, size_t n);
SPR_NODISCARD int spr_mpi_sum_f64(const spr_comm *c, double *buf, size_t n);
SPR_NODISCARD int spr_mpi_max_f64(const spr_comm *c, double *buf, size_t n);
/* Exclusive prefix sum of v over ranks (0 on rank 0) in *before; global total in *total. */
SPR_NODISCARD int spr_mpi_exscan_u64(const spr_comm *c, uint64_t v, uint64_t *before, uint64_t *total);
/* all[i] = v of rank i; all has c->size entries. */
SPR_NODISCARD int spr_mpi_allgather_u64(const spr_comm *c, uint64_t v, uint64_t *all);
/* Collective. The content hash of the file at path (shard/spr_file.h: XXH3-64 of 16 MiB pieces,
 * the same whatever the rank count), the pieces shared by the ranks (each reads its byte range)
 * and their threads. Rank 0 looks at the file: *kind 0 when it is missing (hash and size 0), 2
 * when it is not a regular file (not hashed), 1 otherwise. Every rank gets the results. */
SPR_NODISCARD int spr_mpi_hash_file(const spr_comm *c, const char *path, int *kind, uint64_t *size, uint64_t *hash);
/* Broadcast n bytes from root. */
SPR_NODISCARD int spr_mpi_bcast(const spr_comm *c, void *buf, size_t n, int root);
/* Concatenate every rank's bytes in rank order, on every rank. *out is malloc'ed (owned by the
 * caller), *out_len its length; counts (may be NULL) gets each rank's byte count. */
SPR_NODISCARD int spr_mpi_allgatherv(const spr_comm *c, const void *buf, size_t len, void **out,
                                     size_t *out_len, uint64_t *counts);
/* Personalized all-to-all of bytes: send_counts[r] bytes to rank r from sendbuf (in rank order).
 * *recv is malloc'ed (caller owns), recv_counts[r] gets bytes from rank r (c->size entries). */
SPR_NODISCARD int spr_mpi_alltoallv(const spr_comm *c, const void *sendbuf, const uint64_t *send_counts,
                                    void **recv, uint64_t *recv_counts);
/* The same, taking send (malloc'ed): it is freed, or on one rank handed over as *recv (no second
 * buffer, no copy: the build's route steps move 12 bytes per posting). The caller forgets send in
 * every case. */
SPR_NODISCARD int spr_mpi_alltoallv_give(const spr_comm *c, void *send, const uint64_t *send_counts, void **recv,
                                         uint64_t *recv_counts);
/* Collective. The distributed top-k: lists holds nq best-first lists of k hits each (padded with
 * spr_topk_pad); on return, root's lists hold the best k of the union over all ranks for every
 * list (an MPI_Reduce with a user-defined commutative operator over a (score, docid) datatype).
 * Other ranks' lists are left unspecified. Docids must be disjoint across ranks. */
SPR_NODISCARD int spr_mpi_topk_reduce(const spr_comm *c, spr_hit *lists, size_t nq, uint32_t k, int root);

/* A non-blocking collective in flight (spr_mpi_iallgather_u32 .. spr_mpi_pending_wait). */
typedef struct spr_mpi_pending {
  MPI_Request req;
  int active;
} spr_mpi_pending;
/* Collective, non-blocking: every rank's n values of send, in rank order, into recv (c->size x n
 * values) on every rank (MPI_Iallgather). Neither buffer may be touched until it completes. Every
 * rank starts the same collectives in the same order. */
SPR_NODISCARD int spr_mpi_iallgather_u32(const spr_comm *c, const uint32_t *send, size_t n, uint32_t *recv,
                                         spr_mpi_pending *pd);
/* Local. *done = 1 once the collective is complete (it then needs no wait); moves it along. */
SPR_NODISCARD int spr_mpi_pending_test(spr_mpi_pending *pd, int *done);
/* Local. Waits for the collective to complete (at once if it is not active). */
SPR_NODISCARD int spr_mpi_pending_wait(spr_mpi_pending *pd);
#endif /* SPR_COLL_H */
