/* spr_file.h: the two ways spire touches a whole file: reading it into memory, and writing an
 * output so that it appears complete or not at all (a temporary name beside it, flushed to disk,
 * renamed into place; removed on any failure). Local (no MPI). */
#ifndef SPR_FILE_H
#define SPR_FILE_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "spr_status.h"

/* Local. The whole file at path (regular files and pipes alike) in *out, NUL-terminated, its
 * length in *len; the caller frees *out. `what` names the file in messages ("qrels file" gives
 * "PATH: cannot open qrels file: why"); NULL gives "PATH: cannot open: why".
 * Errors: SPR_EIO, SPR_ENOMEM, SPR_EINVAL. */
SPR_NODISCARD int spr_file_read(const char *path, const char *what, char **out, size_t *len);

/* An output being written under a temporary name. */
typedef struct spr_out {
  char *path; /* owned: the name it gets when complete */
  char *tmp;  /* owned: the name it is written under */
  FILE *f;    /* owned: open for writing until spr_out_close */
} spr_out;

/* Local. Create the temporary file and open it for writing: tmp names it, NULL means PATH.tmp
 * (the name `spire run` removes when interrupted). On failure nothing is left behind and o is
 * cleared. Errors: SPR_EIO ("TMP: cannot create: why"), SPR_ENOMEM, SPR_EINVAL. */
SPR_NODISCARD int spr_out_open(spr_out *o, const char *path, const char *tmp);
/* Local. Finish o. rc == SPR_OK: flush, fsync, close and rename the temporary file to its path;
 * otherwise, or when one of those steps fails ("TMP: write failed: why", "TMP: cannot rename to
 * PATH: why"), close and remove it. Frees o's names; safe on a cleared or closed o. Returns rc, or
 * the failure of those steps when rc was SPR_OK. */
int spr_out_close(spr_out *o, int rc);
/* Local. Keep the temporary file (rc == SPR_OK: flushed, fsynced and closed, not renamed; else
 * removed), so that the rename can wait until other ranks agree: spr_out_commit then renames it
 * and spr_out_close(o, failure) removes it. */
SPR_NODISCARD int spr_out_finish(spr_out *o, int rc);
SPR_NODISCARD int spr_out_commit(spr_out *o);
/* Local. text[0..len) as the whole file at path, through a temporary file named as by spr_out_open. */
SPR_NODISCARD int spr_out_write_file(const char *path, const char *tmp, const void *text, size_t len);

/* A file's content hash is rank-count independent: the file is cut into pieces of
 * SPR_HASH_PIECE bytes (the last shorter), each piece hashed with XXH3-64, and the list of piece
 * hashes hashed again with the file size as seed (spr_file_hash_combine). Ranks and threads share
 * the pieces (mpi/spr_coll.h: spr_mpi_hash_file). */
#define SPR_HASH_PIECE ((uint64_t)16 << 20)
/* Local. XXH3-64 of pieces [first, first + count) of the file at path, whose size is `size`, into
 * out[0..count), the pieces shared by the OpenMP threads. Errors: SPR_EIO ("PATH: cannot read:
 * why", "PATH: changed while being read"), SPR_ENOMEM. */
SPR_NODISCARD int spr_file_hash_pieces(const char *path, uint64_t size, uint64_t first, uint64_t count,
                                       uint64_t *out);
/* Local. The file hash from all its piece hashes (n = pieces of a file of `size` bytes). */
uint64_t spr_file_hash_combine(const uint64_t *pieces, uint64_t n, uint64_t size);
#endif /* SPR_FILE_H */
