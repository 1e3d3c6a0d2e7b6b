/* cmd_export.c: spire export --ciff -- write an index file as CIFF (docs/ciff.md). Rank 0 reads
 * the index and writes OUT.tmp, renamed to OUT once complete (no partial file on failure); the
 * other ranks wait for the outcome. The postings' impacts become the CIFF tf values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spr_ciff.h"
#include "spr_cli.h"
#include "spr_index.h"

static void spr_export_help(void) {
  printf(
      "usage: spire export --ciff [--doclength auto|impacts|stored] INDEX.h5 OUT.ciff\n\n"
      "Write an index in the Common Index File Format (CIFF, osirrc/ciff): a header (its\n"
      "description names spire and the index), one postings list per term in the index's term\n"
      "order with each posting's impact (1-255) as its tf, then one document record per document\n"
      "in docid order (collection_docid = the external id, doclength as --doclength says).\n"
      "`spire index --input OUT.ciff` reads it back into an index with the same postings.\n"
      "Rank 0 writes OUT.ciff.tmp and renames it when complete; other ranks only wait.\n"
      "  --ciff       the output format (the only one so far), required\n"
      "  --doclength  what DocRecord.doclength holds: impacts = the sum of the document's impacts\n"
      "               (Anserini's impact indexes: a document is its terms repeated by weight),\n"
      "               stored = the index's /docs/length (terms after analysis for BM25, entries\n"
      "               for vectors; an exact round trip), auto = impacts for a vector or SPLADE\n"
      "               index and stored for a BM25 index, as Anserini's exports do (default auto)\n"
      "  -h, --help   this help\n");
}

/* The doclength of each document: the sum of its impacts (added up while the lists are written)
 * or the stored length. */
typedef enum { SPR_DOCLEN_AUTO, SPR_DOCLEN_IMPACTS, SPR_DOCLEN_STORED } spr_doclen_mode;

/* len[d] = the sum of document d's impacts (n_docs entries, overwritten). */
static int spr_export_impact_sums(spr_index *ix, const spr_index_info *in, uint32_t *len) {
  memset(len, 0, in->n_docs * sizeof *len);
  const spr_strlist *terms = spr_index_terms(ix);
  for (uint32_t t = 0; t < terms->n; t++) {
    uint32_t *docs = NULL, n = 0;
    uint8_t *imp = NULL;
    SPR_TRY(spr_index_read_postings(ix, t, 0, (uint32_t)in->n_docs, &docs, &imp, &n));
    for (uint32_t i = 0; i < n; i++) len[docs[i]] += imp[i]; /* at most 255 x terms: no overflow */
    free(docs);
    free(imp);
  }
  return SPR_OK;
}

static int spr_export_ciff(const char *index, const char *out, spr_doclen_mode mode) {
  spr_index *ix = NULL;
  spr_ciff_writer *w = NULL;
  char *ids = NULL;
  uint64_t *id_off = NULL;
  uint32_t *len = NULL, *tf = NULL, *docs = NULL;
  uint8_t *imp = NULL;
  int rc = spr_index_open(index, &ix);
  if (rc == SPR_OK) rc = spr_index_read_docids(ix, &ids, &id_off);
  if (rc == SPR_OK) rc = spr_index_read_lengths(ix, &len);
  const spr_index_info *in = rc == SPR_OK ? spr_index_get_info(ix) : NULL;
  if (rc == SPR_OK && (in->n_docs > INT32_MAX || in->n_terms > INT32_MAX))
    rc = SPR_FAIL(SPR_EUNSUPPORTED, "%s: %llu documents and %llu terms: CIFF counts are int32", index,
                  (unsigned long long)in->n_docs, (unsigned long long)in->n_terms);
  if (rc == SPR_OK && mode == SPR_DOCLEN_AUTO) mode = strcmp(in->encoder, "bm25") ? SPR_DOCLEN_IMPACTS : SPR_DOCLEN_STORED;
  if (rc == SPR_OK && mode == SPR_DOCLEN_IMPACTS) /* the sums, from the postings (below) */
    rc = spr_export_impact_sums(ix, in, len);
  if (rc == SPR_OK) rc = spr_ciff_writer_open(out, &w);
  if (rc == SPR_OK) {
    uint64_t sum = 0;
    for (uint64_t d = 0; d < in->n_docs; d++) sum += len[d];
    const char *base = strrchr(index, '/');
    base = base ? base + 1 : index;
    char desc[1024];
    snprintf(desc, sizeof desc,
             "spire %s export of %s: %llu documents, %llu terms, encoder %s, impacts u%llu (%s) as tf", SPR_VERSION,
             base, (unsigned long long)in->n_docs, (unsigned long long)in->n_terms, in->encoder,
             (unsigned long long)in->bits, in->quantization);
    const spr_ciff_header h = {.version = 1,
                               .num_postings_lists = (uint32_t)in->n_terms,
                               .num_doc_records = (uint32_t)in->n_docs,
                               .total_postings_lists = (int32_t)in->n_terms,
                               .total_docs = (int32_t)in->n_docs,
                               .total_terms_in_collection = (int64_t)sum,
                               .average_doclength = in->n_docs ? (double)sum / (double)in->n_docs : 0};
    rc = spr_ciff_write_header(w, &h, desc);
  }
  const spr_strlist *terms = rc == SPR_OK ? spr_index_terms(ix) : NULL;
  uint64_t tcap = 0;
  for (uint32_t t = 0; rc == SPR_OK && t < terms->n; t++) {
    uint32_t n = 0;
    rc = spr_index_read_postings(ix, t, 0, (uint32_t)in->n_docs, &docs, &imp, &n);
    if (rc == SPR_OK && n > tcap) {
      free(tf);
      tcap = n;
      if (!(tf = malloc(tcap * sizeof *tf))) rc = SPR_FAIL(SPR_ENOMEM, "export: out of memory (%u postings)", n);
    }
    for (uint32_t i = 0; rc == SPR_OK && i < n; i++) tf[i] = imp[i];
    if (rc == SPR_OK) rc = spr_ciff_write_list(w, spr_strlist_get(terms, t), docs, tf, n);
    free(docs);
    free(imp);
    docs = NULL;
    imp = NULL;
  }
  for (uint64_t d = 0; rc == SPR_OK && in && d < in->n_docs; d++)
    rc = spr_ciff_write_doc(w, (uint32_t)d, ids + id_off[d], len[d]);
  const int crc = spr_ciff_writer_close(&w, rc == SPR_OK);
  if (rc == SPR_OK) rc = crc;
  free(tf);
  free(ids);
  free(id_off);
  free(len);
  spr_index_close(&ix);
  return rc;
}

int spr_cmd_export(const spr_comm *world, int argc, char **argv) {
  if (spr_cli_has_help(argc, argv)) {
    if (world->rank == 0) spr_export_help();
    return SPR_EXIT_OK;
  }
  const char *pos[2] = {NULL, NULL};
  int npos = 0, ciff = 0;
  spr_doclen_mode mode = SPR_DOCLEN_AUTO;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--ciff")) ciff = 1;
    else if (!strcmp(argv[i], "--doclength")) {
      const char *v = i + 1 < argc ? argv[++i] : "";
      if (!strcmp(v, "auto")) mode = SPR_DOCLEN_AUTO;
      else if (!strcmp(v, "impacts")) mode = SPR_DOCLEN_IMPACTS;
      else if (!strcmp(v, "stored")) mode = SPR_DOCLEN_STORED;
      else return spr_cli_usage_error(world, "export", "--doclength must be auto, impacts or stored, not '%s'", v);
    }
    else if (argv[i][0] == '-' && argv[i][1] != '\0')
      return spr_cli_usage_error(world, "export", "unknown option '%s'", argv[i]);
    else if (npos < 2) pos[npos++] = argv[i];
    else return spr_cli_usage_error(world, "export", "unexpected argument '%s'", argv[i]);
  }
  if (!ciff) return spr_cli_usage_error(world, "export", "an output format is required (--ciff)");
  if (npos != 2) return spr_cli_usage_error(world, "export", "an index file and an output file are required");
  const int rc = world->rank == 0 ? spr_export_ciff(pos[0], pos[1], mode) : SPR_OK;
  return spr_cli_finish(world, "export", rc);
}
