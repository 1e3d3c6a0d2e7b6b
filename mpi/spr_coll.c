/* spr_coll.c: the only file that calls MPI collectives. Each call goes through SPR_MPI_CALL so an
 * MPI failure becomes SPR_EMPI with MPI's own description. Large byte counts (beyond int) are
 * moved as MPI_BYTE in chunks of a contiguous derived type so no count overflows. */
#include "spr_coll.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spr_file.h"
#include "spr_topk.h"

static int spr_mpi_we_initialized = 0;

static int spr_mpi_fail(int err, const char *what, const char *file, int line, const char *func) {
  char s[MPI_MAX_ERROR_STRING];
  int n = 0;
  if (MPI_Error_string(err, s, &n) != MPI_SUCCESS) snprintf(s, sizeof s, "MPI error %d", err);
  return spr_fail_at(SPR_EMPI, file, line, func, "%s failed: %s", what, s);
}
#define SPR_MPI_CALL(call)                                                           \
  do {                                                                               \
    const int spr_mpi_err_ = (call);                                                 \
    if (spr_mpi_err_ != MPI_SUCCESS)                                                 \
      return spr_mpi_fail(spr_mpi_err_, #call, __FILE__, __LINE__, __func__);        \
  } while (0)

int spr_mpi_init(int *argc, char ***argv, spr_comm *world) {
  int inited = 0;
  SPR_MPI_CALL(MPI_Initialized(&inited));
  if (!inited) {
    /* Started without a launcher (no mpirun, no srun): Open MPI's singleton would fork an orted
     * to serve MPI_Comm_spawn, which spire never calls; isolated mode starts in about half the
     * time (0.66 s instead of 1.13 s, median of 15 on the 2-core VM). The user's setting wins. */
    if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMIX_RANK") && !getenv("PMI_RANK"))
      setenv("OMPI_MCA_ess_singleton_isolated", "1", 0);
    int provided = 0;
    SPR_MPI_CALL(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided));
    spr_mpi_we_initialized = 1;
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  SPR_MPI_CALL(MPI_Comm_dup(MPI_COMM_WORLD, &world->comm));
  SPR_MPI_CALL(MPI_Comm_set_errhandler(world->comm, MPI_ERRORS_RETURN));
  SPR_MPI_CALL(MPI_Comm_rank(world->comm, &world->rank));
  SPR_MPI_CALL(MPI_Comm_size(world->comm, &world->size));
  return SPR_OK;
}

void spr_mpi_finalize(spr_comm *world) {
  if (world->comm != MPI_COMM_NULL) MPI_Comm_free(&world->comm);
  world->comm = MPI_COMM_NULL;
  if (spr_mpi_we_initialized) MPI_Finalize();
  spr_mpi_we_initialized = 0;
}

int spr_mpi_node_size(const spr_comm *c, int *out) {
  MPI_Comm node;
  SPR_MPI_CALL(MPI_Comm_split_type(c->comm, MPI_COMM_TYPE_SHARED, c->rank, MPI_INFO_NULL, &node));
  const int e = MPI_Comm_size(node, out);
  MPI_Comm_free(&node);
  SPR_MPI_CALL(e);
  return SPR_OK;
}

void spr_mpi_abort(const spr_comm *c, int code) { MPI_Abort(c ? c->comm : MPI_COMM_WORLD, code); }

int spr_mpi_agree(const spr_comm *c, int rc) {
  int local = rc < 0 ? rc : 0, worst = 0;
  SPR_MPI_CALL(MPI_Allreduce(&local, &worst, 1, MPI_INT, MPI_MIN, c->comm));
  if (rc < 0) return rc;
  return worst < 0 ? SPR_EPEER : SPR_OK;
}

int spr_test_fault(const spr_comm *c, const char *stage, int rc) {
  const char *e = getenv("SPR_TEST_FAIL");
  if (rc < 0 || !e || !*e) return rc;
  const size_t n = strlen(stage);
  if (strncmp(e, stage, n) != 0 || (e[n] != '\0' && e[n] != ':')) return rc;
  if (e[n] == ':' && atoi(e + n + 1) != c->rank) return rc;
  return SPR_FAIL(SPR_EIO, "injected failure at stage %s on rank %d (SPR_TEST_FAIL)", stage, c->rank);
}

void spr_test_pause(const spr_comm *c, const char *where) {
  const char *want = getenv("SPR_TEST_PAUSE");
  if (c->rank != 0 || !want || strcmp(want, where)) return;
  const char *mark = getenv("SPR_TEST_PAUSE_FILE");
  if (mark && access(mark, F_OK) == 0) return; /* paused once already: a resubmitted job runs on */
  if (mark) {
    FILE *f = fopen(mark, "w");
    if (f) fclose(f);
  }
  fprintf(stderr, "[spire] SPR_TEST_PAUSE: paused at %s\n", where);
  for (int i = 0; i < 300; i++) sleep(1);
}

void spr_mpi_error_message(const spr_comm *c, int rc, char *msg, size_t cap) {
  /* The lowest rank with an error of its own speaks; if all failed only as peers, the lowest failing. */
  int mine = (rc < 0 && rc != SPR_EPEER) ? c->rank : c->size;
  int any = rc < 0 ? c->rank : c->size;
  int who = c->size, whoany = c->size;
  if (MPI_Allreduce(&mine, &who, 1, MPI_INT, MPI_MIN, c->comm) != MPI_SUCCESS ||
      MPI_Allreduce(&any, &whoany, 1, MPI_INT, MPI_MIN, c->comm) != MPI_SUCCESS) {
    if (msg && cap) snprintf(msg, cap, "%s", spr_last_message());
    return;
  }
  if (who == c->size) who = whoany;
  if (who == c->size) who = 0;
  char buf[2048];
  memset(buf, 0, sizeof buf);
  if (c->rank == who) snprintf(buf, sizeof buf, "%s", spr_last_message());
  if (who != 0) {
    if (c->rank == who) MPI_Send(buf, (int)sizeof buf, MPI_CHAR, 0, 77, c->comm);
    if (c->rank == 0) MPI_Recv(buf, (int)sizeof buf, MPI_CHAR, who, 77, c->comm, MPI_STATUS_IGNORE);
  }
  if (c->rank == 0 && msg && cap) {
    if (c->size > 1 && who != 0)
      snprintf(msg, cap, "rank %d: %s", who, buf);
    else
      snprintf(msg, cap, "%s", buf);
  }
}

int spr_mpi_barrier(const spr_comm *c) {
  SPR_MPI_CALL(MPI_Barrier(c->comm));
  return SPR_OK;
}

static int spr_mpi_reduce_inplace(const spr_comm *c, void *buf, size_t n, MPI_Datatype t, MPI_Op op) {
  size_t done = 0;
  const size_t esz = (t == MPI_UINT64_T || t == MPI_DOUBLE) ? 8 : 4;
  while (done < n) {
    const size_t m = n - done > (size_t)INT_MAX / 2 ? (size_t)INT_MAX / 2 : n - done;
    SPR_MPI_CALL(MPI_Allreduce(MPI_IN_PLACE, (char *)buf + done * esz, (int)m, t, op, c->comm));
    done += m;
  }
  return SPR_OK;
}

int spr_mpi_sum_u64(const spr_comm *c, uint64_t *buf, size_t n) {
  return spr_mpi_reduce_inplace(c, buf, n, MPI_UINT64_T, MPI_SUM);
}
int spr_mpi_max_u64(const spr_comm *c, uint64_t *buf, size_t n) {
  return spr_mpi_reduce_inplace(c, buf, n, MPI_UINT64_T, MPI_MAX);
}
int spr_mpi_min_u64(const spr_comm *c, uint64_t *buf, size_t n) {
  return spr_mpi_reduce_inplace(c, buf, n, MPI_UINT64_T, MPI_MIN);
}
int spr_mpi_sum_f64(const spr_comm *c, double *buf, size_t n) {
  return spr_mpi_reduce_inplace(c, buf, n, MPI_DOUBLE, MPI_SUM);
}
int spr_mpi_max_f64(const spr_comm *c, double *buf, size_t n) {
  return spr_mpi_reduce_inplace(c, buf, n, MPI_DOUBLE, MPI_MAX);
}

int spr_mpi_exscan_u64(const spr_comm *c, uint64_t v, uint64_t *before, uint64_t *total) {
  uint64_t b = 0, t = 0;
  SPR_MPI_CALL(MPI_Exscan(&v, &b, 1, MPI_UINT64_T, MPI_SUM, c->comm));
  if (c->rank == 0) b = 0; /* MPI leaves rank 0's result undefined */
  SPR_MPI_CALL(MPI_Allreduce(&v, &t, 1, MPI_UINT64_T, MPI_SUM, c->comm));
  if (before) *before = b;
  if (total) *total = t;
  return SPR_OK;
}

int spr_mpi_allgather_u64(const spr_comm *c, uint64_t v, uint64_t *all) {
  SPR_MPI_CALL(MPI_Allgather(&v, 1, MPI_UINT64_T, all, 1, MPI_UINT64_T, c->comm));
  return SPR_OK;
}

int spr_mpi_bcast(const spr_comm *c, void *buf, size_t n, int root) {
  size_t done = 0;
  while (done < n) {
    const size_t m = n - done > (size_t)INT_MAX ? (size_t)INT_MAX : n - done;
    SPR_MPI_CALL(MPI_Bcast((char *)buf + done, (int)m, MPI_BYTE, root, c->comm));
    done += m;
  }
  return SPR_OK;
}

int spr_mpi_hash_file(const spr_comm *c, const char *path, int *kind, uint64_t *size, uint64_t *hash) {
  uint64_t head[2] = {0, 0}; /* kind, size */
  struct stat sb;
  if (c->rank == 0 && stat(path, &sb) == 0) {
    head[0] = S_ISREG(sb.st_mode) ? 1 : 2;
    head[1] = S_ISREG(sb.st_mode) ? (uint64_t)sb.st_size : 0;
  }
  SPR_TRY(spr_mpi_bcast(c, head, sizeof head, 0));
  *kind = (int)head[0];
  *size = head[1];
  *hash = 0;
  if (head[0] != 1) return SPR_OK;
  const uint64_t n = (head[1] + SPR_HASH_PIECE - 1) / SPR_HASH_PIECE;
  uint64_t *pieces = calloc(n ? n : 1, sizeof *pieces);
  const uint64_t first = n * (uint64_t)c->rank / (uint64_t)c->size;
  const uint64_t last = n * (uint64_t)(c->rank + 1) / (uint64_t)c->size;
  int rc = pieces ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "out of memory");
  if (rc == SPR_OK) rc = spr_file_hash_pieces(path, head[1], first, last - first, pieces + first);
  rc = spr_mpi_agree(c, rc);
  if (rc == SPR_OK) rc = spr_mpi_sum_u64(c, pieces, n); /* each slot is non-zero on one rank only */
  if (rc == SPR_OK) *hash = spr_file_hash_combine(pieces, n, head[1]);
  free(pieces);
  return rc;
}

/* The gather uses MPI_BYTE with int counts and refuses more than 2 GiB (it carries small data:
 * dictionary samples); the all-to-all exchange of postings moves any size in rounds. */
static int spr_mpi_check_int(uint64_t v, const char *what) {
  if (v > (uint64_t)INT_MAX)
    return SPR_FAIL(SPR_EUNSUPPORTED, "%s: message of %llu bytes exceeds 2 GiB", what,
                    (unsigned long long)v);
  return SPR_OK;
}

int spr_mpi_allgatherv(const spr_comm *c, const void *buf, size_t len, void **out, size_t *out_len,
                       uint64_t *counts) {
  *out = NULL;
  *out_len = 0;
  uint64_t *all = calloc((size_t)c->size, sizeof *all);
  int *cnt = calloc((size_t)c->size, sizeof *cnt), *dis = calloc((size_t)c->size, sizeof *dis);
  int rc = SPR_OK;
  if (!all || !cnt || !dis) {
    rc = SPR_FAIL(SPR_ENOMEM, "allgatherv: out of memory");
    goto cleanup;
  }
  SPR_TRYG(rc, spr_mpi_allgather_u64(c, len, all), cleanup);
  uint64_t tot = 0;
  for (int r = 0; r < c->size; r++) {
    cnt[r] = (int)all[r];
    dis[r] = (int)tot;
    tot += all[r];
  }
  SPR_TRYG(rc, spr_mpi_check_int(tot, "allgatherv"), cleanup);
  char *o = malloc(tot ? tot : 1);
  if (!o) {
    rc = SPR_FAIL(SPR_ENOMEM, "allgatherv: cannot allocate %llu bytes", (unsigned long long)tot);
    goto cleanup;
  }
  const int e = MPI_Allgatherv(buf, (int)len, MPI_BYTE, o, cnt, dis, MPI_BYTE, c->comm);
  if (e != MPI_SUCCESS) {
    free(o);
    rc = spr_mpi_fail(e, "MPI_Allgatherv", __FILE__, __LINE__, __func__);
    goto cleanup;
  }
  *out = o;
  *out_len = tot;
  if (counts) memcpy(counts, all, (size_t)c->size * sizeof *all);
cleanup:
  free(all);
  free(cnt);
  free(dis);
  return rc;
}

/* Rounds of at most `chunk` bytes per (source, destination) pair, staged through buffers of P x
 * chunk bytes, so that no count or displacement passed to MPI exceeds an int whatever the totals. */
static int spr_mpi_alltoallv_rounds(const spr_comm *c, const char *sendbuf, const uint64_t *sc, const uint64_t *sd,
                                    char *recvbuf, const uint64_t *rc_, const uint64_t *rd, uint64_t chunk) {
  const size_t p = (size_t)c->size;
  uint64_t most = 0;
  for (size_t r = 0; r < p; r++) {
    most = sc[r] > most ? sc[r] : most;
    most = rc_[r] > most ? rc_[r] : most;
  }
  uint64_t rounds = (most + chunk - 1) / chunk;
  SPR_TRY(spr_mpi_max_u64(c, &rounds, 1));
  char *ts = malloc(p * chunk), *tr = malloc(p * chunk);
  int *cs = calloc(p, sizeof *cs), *cr = calloc(p, sizeof *cr), *ds = calloc(p, sizeof *ds);
  int rc = (ts && tr && cs && cr && ds) ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "alltoallv: out of memory (staging)");
  rc = spr_mpi_agree(c, rc);
  for (size_t r = 0; rc == SPR_OK && r < p; r++) ds[r] = (int)(r * chunk);
  for (uint64_t k = 0; rc == SPR_OK && k < rounds; k++) {
    const uint64_t off = k * chunk;
    for (size_t r = 0; r < p; r++) {
      const uint64_t ms = sc[r] > off ? (sc[r] - off < chunk ? sc[r] - off : chunk) : 0;
      const uint64_t mr = rc_[r] > off ? (rc_[r] - off < chunk ? rc_[r] - off : chunk) : 0;
      if (ms) memcpy(ts + r * chunk, sendbuf + sd[r] + off, ms);
      cs[r] = (int)ms;
      cr[r] = (int)mr;
    }
    const int e = MPI_Alltoallv(ts, cs, ds, MPI_BYTE, tr, cr, ds, MPI_BYTE, c->comm);
    if (e != MPI_SUCCESS) {
      rc = spr_mpi_fail(e, "MPI_Alltoallv (round)", __FILE__, __LINE__, __func__);
      break;
    }
    for (size_t r = 0; r < p; r++)
      if (cr[r]) memcpy(recvbuf + rd[r] + off, tr + r * chunk, (size_t)cr[r]);
  }
  free(ts);
  free(tr);
  free(cs);
  free(cr);
  free(ds);
  return rc;
}

int spr_mpi_alltoallv(const spr_comm *c, const void *sendbuf, const uint64_t *send_counts, void **recv,
                      uint64_t *recv_counts) {
  *recv = NULL;
  const size_t p = (size_t)c->size;
  int *sc = calloc(p, sizeof *sc), *sd = calloc(p, sizeof *sd), *rcn = calloc(p, sizeof *rcn),
      *rd = calloc(p, sizeof *rd);
  uint64_t *sd64 = calloc(p, sizeof *sd64), *rd64 = calloc(p, sizeof *rd64);
  int rc = SPR_OK;
  char *o = NULL;
  if (!sc || !sd || !rcn || !rd || !sd64 || !rd64) {
    rc = SPR_FAIL(SPR_ENOMEM, "alltoallv: out of memory");
    goto cleanup;
  }
  {
    const int e = MPI_Alltoall(send_counts, 1, MPI_UINT64_T, recv_counts, 1, MPI_UINT64_T, c->comm);
    if (e != MPI_SUCCESS) {
      rc = spr_mpi_fail(e, "MPI_Alltoall", __FILE__, __LINE__, __func__);
      goto cleanup;
    }
  }
  uint64_t st = 0, rt = 0;
  for (size_t r = 0; r < p; r++) {
    sd64[r] = st;
    st += send_counts[r];
    rd64[r] = rt;
    rt += recv_counts[r];
  }
  o = malloc(rt ? rt : 1);
  int lrc = o ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "alltoallv: cannot allocate %llu bytes", (unsigned long long)rt);
  SPR_TRYG(rc, spr_mpi_agree(c, lrc), cleanup);
  /* one call when every count and displacement fits an int on every rank, else rounds */
  uint64_t biggest = st > rt ? st : rt;
  SPR_TRYG(rc, spr_mpi_max_u64(c, &biggest, 1), cleanup);
  if (biggest > (uint64_t)INT_MAX || getenv("SPR_TEST_ALLTOALL_CHUNK")) {
    const char *t = getenv("SPR_TEST_ALLTOALL_CHUNK"); /* tests force small rounds */
    uint64_t chunk = ((uint64_t)1 << 30) / p;
    if (t && atol(t) > 0) chunk = (uint64_t)atol(t);
    SPR_TRYG(rc, spr_mpi_alltoallv_rounds(c, sendbuf, send_counts, sd64, o, recv_counts, rd64, chunk), cleanup);
  } else {
    for (size_t r = 0; r < p; r++) {
      sc[r] = (int)send_counts[r];
      sd[r] = (int)sd64[r];
      rcn[r] = (int)recv_counts[r];
      rd[r] = (int)rd64[r];
    }
    const int e = MPI_Alltoallv(sendbuf, sc, sd, MPI_BYTE, o, rcn, rd, MPI_BYTE, c->comm);
    if (e != MPI_SUCCESS) {
      rc = spr_mpi_fail(e, "MPI_Alltoallv", __FILE__, __LINE__, __func__);
      goto cleanup;
    }
  }
  *recv = o;
  o = NULL;
cleanup:
  free(o);
  free(sc);
  free(sd);
  free(rcn);
  free(rd);
  free(sd64);
  free(rd64);
  return rc;
}

/* The reduction operator: each element of the datatype is one query's list of k hits. k comes from
 * the datatype's size, so one operator serves every k. */
static void spr_topk_op(void *in, void *inout, int *len, MPI_Datatype *dt) {
  int bytes = 0;
  MPI_Type_size(*dt, &bytes);
  const uint32_t k = (uint32_t)((size_t)bytes / sizeof(spr_hit));
  spr_hit *scratch = malloc((size_t)k * sizeof *scratch);
  if (!scratch) MPI_Abort(MPI_COMM_WORLD, 1); /* no way to return an error from an MPI operator */
  for (int i = 0; i < *len; i++)
    spr_topk_merge((const spr_hit *)in + (size_t)i * k, (spr_hit *)inout + (size_t)i * k, k, scratch);
  free(scratch);
}

int spr_mpi_topk_reduce(const spr_comm *c, spr_hit *lists, size_t nq, uint32_t k, int root) {
  _Static_assert(sizeof(spr_hit) == 8, "spr_hit is two uint32");
  if (nq == 0 || c->size == 1) return SPR_OK;
  MPI_Datatype hit = MPI_DATATYPE_NULL, list = MPI_DATATYPE_NULL;
  MPI_Op op = MPI_OP_NULL;
  int rc = SPR_OK, e;
  if ((e = MPI_Type_contiguous(2, MPI_UINT32_T, &hit)) != MPI_SUCCESS ||
      (e = MPI_Type_contiguous((int)k, hit, &list)) != MPI_SUCCESS || (e = MPI_Type_commit(&list)) != MPI_SUCCESS ||
      (e = MPI_Op_create(spr_topk_op, 1, &op)) != MPI_SUCCESS) {
    rc = spr_mpi_fail(e, "top-k datatype/operator", __FILE__, __LINE__, __func__);
    goto cleanup;
  }
  /* batches of at most 256 MiB per message */
  const size_t per = (size_t)k * sizeof(spr_hit);
  size_t batch = ((size_t)256 << 20) / per;
  if (batch < 1) batch = 1;
  if (batch > (size_t)INT_MAX) batch = (size_t)INT_MAX;
  for (size_t done = 0; done < nq; done += batch) {
    const int m = (int)(nq - done < batch ? nq - done : batch);
    void *buf = lists + done * k;
    e = c->rank == root ? MPI_Reduce(MPI_IN_PLACE, buf, m, list, op, root, c->comm)
                        : MPI_Reduce(buf, NULL, m, list, op, root, c->comm);
    if (e != MPI_SUCCESS) {
      rc = spr_mpi_fail(e, "MPI_Reduce (top-k)", __FILE__, __LINE__, __func__);
      goto cleanup;
    }
  }
cleanup:
  if (op != MPI_OP_NULL) MPI_Op_free(&op);
  if (list != MPI_DATATYPE_NULL) MPI_Type_free(&list);
  if (hit != MPI_DATATYPE_NULL) MPI_Type_free(&hit);
  return rc;
}

int spr_mpi_iallgather_u32(const spr_comm *c, const uint32_t *send, size_t n, uint32_t *recv, spr_mpi_pending *pd) {
  *pd = (spr_mpi_pending){MPI_REQUEST_NULL, 0};
  if (n > (size_t)INT_MAX / (size_t)c->size)
    return SPR_FAIL(SPR_EINVAL, "all-gather of %zu values from %d ranks: too large for one message", n, c->size);
  const int e = MPI_Iallgather(send, (int)n, MPI_UINT32_T, recv, (int)n, MPI_UINT32_T, c->comm, &pd->req);
  if (e != MPI_SUCCESS) return spr_mpi_fail(e, "MPI_Iallgather", __FILE__, __LINE__, __func__);
  pd->active = 1;
  return SPR_OK;
}

int spr_mpi_pending_test(spr_mpi_pending *pd, int *done) {
  *done = 1;
  if (!pd->active) return SPR_OK;
  int flag = 0;
  const int e = MPI_Test(&pd->req, &flag, MPI_STATUS_IGNORE);
  if (e != MPI_SUCCESS || flag) pd->active = 0;
  if (e != MPI_SUCCESS) return spr_mpi_fail(e, "MPI_Test", __FILE__, __LINE__, __func__);
  *done = flag;
  return SPR_OK;
}

int spr_mpi_pending_wait(spr_mpi_pending *pd) {
  if (!pd->active) return SPR_OK;
  const int e = MPI_Wait(&pd->req, MPI_STATUS_IGNORE);
  pd->active = 0;
  if (e != MPI_SUCCESS) return spr_mpi_fail(e, "MPI_Wait", __FILE__, __LINE__, __func__);
  return SPR_OK;
}

int spr_mpi_alltoallv_give(const spr_comm *c, void *send, const uint64_t *send_counts, void **recv,
                           uint64_t *recv_counts) {
  if (c->size == 1) {
    *recv = send ? send : malloc(1);
    recv_counts[0] = send_counts[0];
    return *recv ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "alltoallv: out of memory");
  }
  const int rc = spr_mpi_alltoallv(c, send, send_counts, recv, recv_counts);
  free(send);
  return rc;
}
