/* spr_ciff.h: the Common Index File Format (CIFF, osirrc/ciff; docs/ciff.md). Local: parsing of a
 * whole file held in memory (mapped by spr_ciff_map) and a writer; no MPI. Not thread-safe per
 * object; distinct objects may be used from distinct threads.
 *
 * A CIFF file is a stream of messages, each preceded by its byte length as a base-128 varint:
 * one Header, Header.num_postings_lists PostingsList (term, df, cf, postings of (docid gap, tf)),
 * then Header.num_doc_records DocRecord (docid, collection_docid, doclength). The wire format is
 * protobuf 3 (shard/ciff.proto); the reader below decodes it without allocating per posting and
 * checks everything: every failure is SPR_ECORRUPT (or SPR_EIO for the file itself) with the path
 * and the absolute byte offset of the offending bytes in spr_last_error(). */
#ifndef SPR_CIFF_H
#define SPR_CIFF_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "spr_status.h"

/* Largest number of documents or postings lists accepted (CIFF counts are int32). */
#define SPR_CIFF_MAX_COUNT 2147483647u

typedef struct spr_ciff_header {
  int32_t version;
  uint32_t num_postings_lists, num_doc_records; /* checked >= 0 */
  int32_t total_postings_lists, total_docs;    /* informative only */
  int64_t total_terms_in_collection;
  double average_doclength;
  uint64_t description_off; /* the description: bytes [off, off + len) of the buffer (borrowed) */
  uint32_t description_len;
} spr_ciff_header;

/* One message of the stream: its body is buf[off, off + len). */
typedef struct spr_ciff_msg {
  uint64_t off, len;
} spr_ciff_msg;

/* A decoded postings list. The term is borrowed from the buffer; doc and tf are owned, grown as
 * needed across calls (reuse one object for many lists), freed by spr_ciff_list_free. */
typedef struct spr_ciff_list {
  uint64_t term_off; /* term bytes [term_off, term_off + term_len) of the buffer */
  uint32_t term_len;
  int64_t df, cf;    /* as read; checked against the postings */
  uint64_t n;        /* postings */
  uint32_t *doc;     /* owned: n absolute docids, strictly increasing, < n_docs */
  uint32_t *tf;      /* owned: n values >= 1 */
  uint64_t cap;
} spr_ciff_list;

typedef struct spr_ciff_doc {
  uint32_t docid;    /* < n_docs */
  uint32_t length;   /* doclength, checked >= 0 */
  uint64_t id_off;   /* collection_docid bytes [id_off, id_off + id_len) of the buffer */
  uint32_t id_len;   /* > 0; no NUL, blank or control byte */
} spr_ciff_doc;

/* Local. Map the file at path read-only: *buf (owned; release with spr_ciff_unmap) and *size.
 * SPR_EIO if it cannot be opened or mapped, SPR_ECORRUPT if it is empty. */
SPR_NODISCARD int spr_ciff_map(const char *path, const uint8_t **buf, uint64_t *size);
void spr_ciff_unmap(const uint8_t **buf, uint64_t size);

/* Local. The message whose length prefix starts at *pos (< size): fills *m and advances *pos past
 * its body. SPR_ECORRUPT on a bad varint or a body running past size. */
SPR_NODISCARD int spr_ciff_next(const uint8_t *buf, uint64_t size, const char *path, uint64_t *pos,
                                spr_ciff_msg *m);
/* Local. Decode the Header message m. Negative counts are SPR_ECORRUPT. */
SPR_NODISCARD int spr_ciff_header_parse(const uint8_t *buf, spr_ciff_msg m, const char *path, spr_ciff_header *h);
/* Local. The term of PostingsList m without decoding its postings (cheap when the term comes first,
 * as every writer does; otherwise the message's fields are walked). The term must be present,
 * non-empty and free of NUL bytes. spr_ciff_list_parse checks the rest, including that the term
 * field occurs once. */
SPR_NODISCARD int spr_ciff_list_term(const uint8_t *buf, spr_ciff_msg m, const char *path, uint64_t *term_off,
                                     uint32_t *term_len);
/* Local. Decode PostingsList m into l (docid gaps summed): docids strictly increasing and < n_docs,
 * tf >= 1, df = the number of postings, cf = the sum of tf, every known field at most once. */
SPR_NODISCARD int spr_ciff_list_parse(const uint8_t *buf, spr_ciff_msg m, const char *path, uint32_t n_docs,
                                      spr_ciff_list *l);
void spr_ciff_list_free(spr_ciff_list *l);
/* Local. Decode DocRecord m: docid < n_docs, doclength >= 0, a valid collection_docid. */
SPR_NODISCARD int spr_ciff_doc_parse(const uint8_t *buf, spr_ciff_msg m, const char *path, uint32_t n_docs,
                                     spr_ciff_doc *d);

/* What spr_ciff_check found in a valid file. */
typedef struct spr_ciff_stats {
  spr_ciff_header header;
  uint64_t n_postings, sum_tf, sum_doclength;
  uint32_t max_tf;
} spr_ciff_stats;
/* Local. Check a whole file in memory, alone: every message as above, no term twice, every docid
 * of [0, num_doc_records) in exactly one DocRecord, nothing after the last record. The reference
 * for the distributed reader (mpi/spr_build_ciff.c) and the fuzz target's entry point. */
SPR_NODISCARD int spr_ciff_check(const uint8_t *buf, uint64_t size, const char *path, spr_ciff_stats *st);

/* ---------------------------------------------------------------- writing */
typedef struct spr_ciff_writer spr_ciff_writer;

/* Local. Create path.tmp for writing (shard/spr_file.h); spr_ciff_writer_close flushes it to disk
 * and renames it to path (commit) or removes it. SPR_EIO naming the file on failure. */
SPR_NODISCARD int spr_ciff_writer_open(const char *path, spr_ciff_writer **out);
/* Write the header (h's description fields are ignored; description is a NUL-terminated string). */
SPR_NODISCARD int spr_ciff_write_header(spr_ciff_writer *w, const spr_ciff_header *h, const char *description);
/* Write one postings list: n ascending docids and their tf (>= 1); df = n, cf = the sum of tf. */
SPR_NODISCARD int spr_ciff_write_list(spr_ciff_writer *w, const char *term, const uint32_t *doc,
                                      const uint32_t *tf, uint64_t n);
SPR_NODISCARD int spr_ciff_write_doc(spr_ciff_writer *w, uint32_t docid, const char *collection_docid,
                                     uint32_t length);
/* Bytes written so far. */
uint64_t spr_ciff_writer_bytes(const spr_ciff_writer *w);
/* Close: with commit, flush, sync and rename path.tmp to path (SPR_EIO on failure, the temporary
 * removed); without, remove the temporary. Accepts NULL; nulls *w. */
SPR_NODISCARD int spr_ciff_writer_close(spr_ciff_writer **w, int commit);
#endif /* SPR_CIFF_H */
