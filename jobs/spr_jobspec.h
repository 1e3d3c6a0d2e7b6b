/* spr_jobspec.h: job specs (INI files) read through the table of settings (spr_settings.h).
 * Its rows with a section (section, key, type, default, range or allowed values, help) drive the
 * parser, the `spire run --help-keys` listing and docs/jobs.md, so the three never disagree.
 * Local (no MPI). Not thread-safe: libinih keeps its options in globals, which loading sets.
 *
 * Rules (see docs/jobs.md for the key reference):
 * - Lines are `[section]`, `key = value` or `key: value` (blanks around the separator are trimmed),
 *   blank, or comments starting with ';' or '#'; a ';' after a blank ends a value (inline
 *   comment; '#' there is part of the value). A UTF-8 byte order mark and CRLF line ends are
 *   accepted. An indented line is an error, not a continuation; a key without a value is an error.
 * - Values by type: int (decimal), float (strtod), bool (true/false, yes/no, on/off, 1/0), enum
 *   (one of the row's choices), word (no blanks), string, path.
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

#include "spr_settings.h" /* spr_job and the table of settings */
#include "spr_status.h"

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
