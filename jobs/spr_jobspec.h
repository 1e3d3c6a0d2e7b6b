/* spr_jobspec.h: job specs (INI files) read through one static key table.
 * The table (section, key, type, default, range or allowed values, help) drives the parser, the
 * `spire run --help-keys` listing and docs/jobs.md, so the three never disagree.
 * Local (no MPI). Not thread-safe: libinih keeps its options in globals, which loading sets.
 *
 * Rules (see docs/jobs.md for the key reference):
 * - Unknown sections or keys, keys outside a section, duplicate sections or keys, malformed
 *   lines and bad values are errors "FILE:LINE: message" (SPR_EPARSE); a missing required key
 *   is "FILE: missing required key 'k' in section [s]".
 * - `${VAR}` in a value expands to the environment variable VAR (unset -> error); `$$` is `$`.
 * - Relative paths resolve against the job file's folder; every path in spr_job is absolute and
 *   lexically normalized (no `.` or `..` components).
 * - Defaults may depend on other keys: job.output defaults to `out/<name>` beside the job file,
 *   index.path to `<output>/index.h5`, and so on. */
#ifndef SPR_JOBSPEC_H
#define SPR_JOBSPEC_H
#include <stddef.h>
#include <stdio.h>

#include "spr_status.h"

typedef struct spr_job {
  char *file;   /* owned: absolute path of the job file ("" when parsed from memory) */
  char *dir;    /* owned: its folder, against which relative paths resolve */
  char *name;   /* owned: job.name */
  char *output; /* owned: job.output, absolute */
  struct {
    char *path;    /* owned, absolute */
    char *format;  /* owned: auto, jsonl, tsv, vectors or ciff */
    char *queries; /* owned, absolute */
    char *query_format; /* owned: auto, tsv, vectors, tokens or pisa */
    char *qrels;   /* owned, absolute, or NULL when not given (evaluation is skipped) */
    char *on_error; /* owned: "fail" or "skip" */
    int max_record_bytes; /* 0 = the default (64 MiB) */
  } corpus;
  struct {
    char *model;    /* owned: "bm25" or a model folder */
    char *analyzer; /* owned: "english" or "standard" */
    double k1, b;
    int bits;
    int max_length; /* SPLADE: tokens per document */
  } encode;
  struct {
    char *path; /* owned, absolute */
    int zstd_level;
    int block_size;
    char *reorder;        /* owned: "none" or "bp" */
    int bp_iterations;    /* 0 = the default */
    int bp_min_docs;      /* 0 = the block size */
    int prune_top_terms;  /* 0 = off */
    double prune_min_weight; /* 0 = off */
    int prune_list_max;   /* 0 = off */
    int memory_budget_mb; /* 0 = unbounded */
    char *spill_dir;      /* owned, absolute; NULL = the index's folder */
  } index;
  struct {
    int k;
    char *algorithm; /* owned: "bmp" or "exhaustive" */
    char *run;       /* owned, absolute */
    char *tag;       /* owned */
    int threads;     /* 0 = the OpenMP default */
    double alpha;    /* bmp: 1 = exact */
    double beta;     /* bmp: 1 = every query term */
    char *serving;   /* owned: "partitioned" or "replicated" */
  } search;
  struct {
    char *metrics; /* owned: comma-separated trec_eval metric names */
    char *report;  /* owned, absolute: the Markdown report; report.json sits beside it */
  } eval;
} spr_job;

/* Local. Read and validate the job file at path; *out is a new spr_job (free with
 * spr_jobspec_free) or NULL on failure. Errors: SPR_EIO (cannot read), SPR_EPARSE (message
 * "FILE:LINE: ..." in spr_last_message()), SPR_ENOMEM, SPR_EINVAL (NULL arguments). */
SPR_NODISCARD int spr_jobspec_load(const char *path, spr_job **out);

/* Local. Same from text in memory (len bytes, need not be NUL-terminated; the fuzzing surface).
 * `name` labels messages; `dir` is the folder relative paths resolve against (NULL: the current
 * directory); the default job name is name's base name without ".ini". */
SPR_NODISCARD int spr_jobspec_parse(const char *text, size_t len, const char *name, const char *dir,
                                    spr_job **out);

/* Local. Free a job; accepts NULL and *p == NULL, and sets *p to NULL. */
void spr_jobspec_free(spr_job **p);

/* Local. Every key with its type, default and help, for terminals (`spire run --help-keys`). */
void spr_jobspec_print_keys(FILE *f);
/* Local. The key reference in Markdown: the exact content of docs/jobs.md. */
void spr_jobspec_write_markdown(FILE *f);
/* Local. The resolved job as an INI file that loads back to the same values (all keys). */
void spr_jobspec_print(FILE *f, const spr_job *job);
#endif /* SPR_JOBSPEC_H */
