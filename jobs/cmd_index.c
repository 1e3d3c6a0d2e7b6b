/* cmd_index.c: spire index — build an index file from a corpus (collective). */
#include <stdio.h>
#include <string.h>

#include "spr_cli.h"
#include "spr_index.h"
#include "spr_options.h"

static const spr_options_cmd spr_index_cmd = {
    "index", SPR_CMD_INDEX,
    "usage: [mpirun -np N] spire index --input CORPUS --output INDEX.h5 [options]\n\n"
    "Build a BM25 impact index (one parallel HDF5 file) from a JSONL or TSV corpus. Every rank reads\n"
    "its own byte range of the corpus with all its OpenMP threads (OMP_NUM_THREADS; default: the\n"
    "node's cores / its ranks); the file is identical whatever the number of ranks and threads.\n\n", NULL, 0, NULL, NULL};

int spr_cmd_index(const spr_comm *world, int argc, char **argv) {
  spr_job *job = NULL;
  const int parsed = spr_options_parse(world, &spr_index_cmd, argc, argv, &job);
  if (!job) return parsed;
  spr_build_params p;
  spr_build_stats st;
  memset(&st, 0, sizeof st);
  int rc = spr_options_build_params(job, &p);
  if (rc == SPR_OK) rc = spr_index_build(world, &p, &st);
  const int status = spr_cli_finish(world, "index", rc);
  if (status == SPR_EXIT_OK && world->rank == 0)
    fprintf(stderr,
            "[spire] index: %s: %llu documents, %llu terms, %llu postings, %.1f MB, %.2fs on %d rank(s) "
            "(%.0f docs/s)\n",
            p.output, (unsigned long long)st.n_docs, (unsigned long long)st.n_terms,
            (unsigned long long)st.n_postings, (double)st.file_bytes / 1e6, st.seconds, world->size,
            st.seconds > 0 ? (double)st.n_docs / st.seconds : 0.0);
  if (status == SPR_EXIT_OK && world->rank == 0) {
    uint64_t total = 0;
    for (int r = 0; r < SPR_SKIP_NREASONS; r++) total += st.skipped[r];
    if (total) {
      fprintf(stderr, "[spire] index: skipped %llu record(s):", (unsigned long long)total);
      for (int r = 0; r < SPR_SKIP_NREASONS; r++)
        if (st.skipped[r]) fprintf(stderr, " %s %llu", spr_skip_reason_name(r), (unsigned long long)st.skipped[r]);
      fprintf(stderr, "\n");
    }
  }
  if (status == SPR_EXIT_OK && world->rank == 0 && (st.pruned_doc || st.pruned_list))
    fprintf(stderr, "[spire] index: static pruning removed %llu posting(s): %llu by document rules, %llu by the list cap\n",
            (unsigned long long)(st.pruned_doc + st.pruned_list), (unsigned long long)st.pruned_doc,
            (unsigned long long)st.pruned_list);
  if (status == SPR_EXIT_OK && world->rank == 0 && p.progress)
    fprintf(stderr,
            "[spire] index: phases: read+encode %.2fs, dictionary %.2fs, route+blocks %.2fs (of which "
            "reordering %.2fs), write %.2fs (of which HDF5 %.2fs: %.1f MB/s), checksums %.2fs; peak memory "
            "%.0f MiB (largest rank)\n",
            st.t_read, st.t_dict, st.t_route, st.t_reorder, st.t_write, st.t_io,
            st.t_io > 0 ? (double)st.file_bytes / 1e6 / st.t_io : 0.0, st.t_checksum, st.peak_rss_mib);
  spr_options_free(&job);
  return status;
}
