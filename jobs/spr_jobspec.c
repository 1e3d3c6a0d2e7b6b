/* spr_jobspec.c: job-spec parsing from one key table (see spr_jobspec.h).
 * libinih splits lines; everything else is here. inih's handler gets no line numbers in the Debian
 * build, so the parser feeds inih through its own line reader over the file's bytes: the reader
 * counts lines (inih calls it again for the rest of a long line, which does not count) and also
 * checks section headers, which inih would otherwise accept silently when the section is empty. */
#include "spr_jobspec.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spr_file.h"

static const char *const spr_jobkey_type_names[] = {"string", "path", "int", "float", "bool", "enum",
                                                      "word", "int64"};
_Static_assert(sizeof spr_jobkey_type_names / sizeof spr_jobkey_type_names[0] == SPR_SETTING_INT64 + 1,
               "a name for every spr_setting_type");

/* The job-spec keys are the rows of the settings table (spr_settings.h) that have a section. A
 * default may contain <name>, <output> and <basename> (the job file's name without ".ini"),
 * replaced by the resolved values; keys appear in the table after the keys their defaults use. */
#define SPR_OFF(field) offsetof(spr_job, field)

static size_t spr_jp_nkeys(void) {
  size_t n = 0;
  (void)spr_settings(&n);
  return n;
}
/* Row k of the table, or NULL when it is not a job-spec key (command line only). */
static const spr_setting *spr_jp_key(size_t k) {
  size_t n = 0;
  const spr_setting *t = spr_settings(&n);
  return k < n && t[k].section ? &t[k] : NULL;
}

static const char *const spr_jobsections[] = {"job", "corpus", "encode", "index", "search", "eval"};
#define SPR_NSECTIONS (sizeof spr_jobsections / sizeof spr_jobsections[0])

static const char *const spr_jobsection_help[] = {
    "The job's name and output folder.",
    "The collection: documents, queries and relevance judgments.",
    "How documents and queries become sparse vectors.",
    "The index file.",
    "Retrieval.",
    "Evaluation report.",
};

#define SPR_JP_MAX_LINE (1 << 20)

/* ---------------------------------------------------------------------------------------------
 * Small string helpers. */

typedef struct spr_sbuf {
  char *s; /* owned */
  size_t len, cap;
} spr_sbuf;

static int spr_sbuf_add(spr_sbuf *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + n + 1) cap *= 2;
    char *t = realloc(b->s, cap);
    if (!t) return SPR_FAIL(SPR_ENOMEM, "out of memory");
    b->s = t;
    b->cap = cap;
  }
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = '\0';
  return SPR_OK;
}

static int spr_sbuf_str(spr_sbuf *b, const char *s) { return spr_sbuf_add(b, s, strlen(s)); }

static char *spr_jp_strdup(const char *s) {
  const size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

/* Absolute, lexically normalized path of `value` (absolute, or relative to the absolute `dir`).
 * Returns a malloc'ed string or NULL (out of memory). */
static char *spr_jp_abspath(const char *dir, const char *value) {
  spr_sbuf in = {0}, out = {0};
  if (value[0] != '/') {
    if (spr_sbuf_str(&in, dir) < 0 || spr_sbuf_str(&in, "/") < 0) goto fail;
  }
  if (spr_sbuf_str(&in, value) < 0) goto fail;
  /* walk components; out always holds "/a/b" (or "" for the root) */
  if (spr_sbuf_str(&out, "") < 0) goto fail;
  for (const char *p = in.s; *p;) {
    while (*p == '/') p++;
    const char *e = p;
    while (*e && *e != '/') e++;
    const size_t n = (size_t)(e - p);
    if (n == 0 || (n == 1 && p[0] == '.')) {
      /* skip */
    } else if (n == 2 && p[0] == '.' && p[1] == '.') {
      char *slash = strrchr(out.s, '/');
      if (slash) {
        *slash = '\0';
        out.len = (size_t)(slash - out.s);
      }
    } else if (spr_sbuf_str(&out, "/") < 0 || spr_sbuf_add(&out, p, n) < 0) {
      goto fail;
    }
    p = e;
  }
  if (out.len == 0 && spr_sbuf_str(&out, "/") < 0) goto fail;
  free(in.s);
  return out.s;
fail:
  free(in.s);
  free(out.s);
  return NULL;
}

/* Base name of path without a trailing ".ini". malloc'ed, or NULL. */
static char *spr_jp_basename(const char *path) {
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  size_t n = strlen(b);
  if (n > 4 && !strcmp(b + n - 4, ".ini")) n -= 4;
  char *s = malloc(n + 1);
  if (!s) return NULL;
  memcpy(s, b, n);
  s[n] = '\0';
  return s;
}

/* ---------------------------------------------------------------------------------------------
 * Parsing. */

typedef struct spr_jp_ctx {
  const char *label; /* borrowed: file name used in messages */
  const char *buf;   /* borrowed: the text */
  size_t len, pos;
  int line;          /* line being read, 1-based */
  bool line_start;
  int section_line[SPR_NSECTIONS]; /* line of each section header, 0 when absent */
  char *raw[SPR_SETTINGS_MAX]; /* owned: value after ${VAR} expansion, NULL when absent */
  int key_line[SPR_SETTINGS_MAX];
  int rc; /* first failure (its message is recorded), 0 otherwise */
} spr_jp_ctx;

static int spr_jp_section_index(const char *s, size_t n) {
  for (size_t i = 0; i < SPR_NSECTIONS; i++)
    if (strlen(spr_jobsections[i]) == n && !memcmp(spr_jobsections[i], s, n)) return (int)i;
  return -1;
}

static int spr_jp_key_index(const char *section, const char *name) {
  for (size_t i = 0; i < spr_jp_nkeys(); i++)
    if (spr_jp_key(i) && !strcmp(spr_jp_key(i)->section, section) && !strcmp(spr_jp_key(i)->name, name))
      return (int)i;
  return -1;
}

/* Check the section header (if any) on the line starting at ctx->pos. */
static int spr_jp_check_header(spr_jp_ctx *ctx) {
  const char *p = ctx->buf + ctx->pos, *end = ctx->buf + ctx->len;
  const char *eol = memchr(p, '\n', (size_t)(end - p));
  if (!eol) eol = end;
  if ((size_t)(eol - p) > SPR_JP_MAX_LINE - 3)
    return SPR_FAIL(SPR_EPARSE, "%s:%d: line longer than %d bytes", ctx->label, ctx->line,
                    SPR_JP_MAX_LINE - 3);
  if (memchr(p, '\0', (size_t)(eol - p)))
    return SPR_FAIL(SPR_EPARSE, "%s:%d: NUL byte in the line", ctx->label, ctx->line);
  if (ctx->pos == 0 && eol - p >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) p += 3; /* UTF-8 BOM */
  while (p < eol && (*p == ' ' || *p == '\t')) p++;
  if (p == eol || *p != '[') return SPR_OK;
  const char *close = memchr(p, ']', (size_t)(eol - p));
  if (!close) return SPR_OK; /* inih reports the syntax error */
  const size_t n = (size_t)(close - p - 1);
  const int s = spr_jp_section_index(p + 1, n);
  if (s < 0)
    return SPR_FAIL(SPR_EPARSE, "%s:%d: unknown section [%.*s] (sections: job, corpus, encode, "
                    "index, search, eval)", ctx->label, ctx->line, (int)(n > 64 ? 64 : n), p + 1);
  if (ctx->section_line[s])
    return SPR_FAIL(SPR_EPARSE, "%s:%d: duplicate section [%s] (first on line %d)", ctx->label,
                    ctx->line, spr_jobsections[s], ctx->section_line[s]);
  ctx->section_line[s] = ctx->line;
  return SPR_OK;
}

/* fgets-like reader over the text for inih. */
static char *spr_jp_reader(char *str, int num, void *stream) {
  spr_jp_ctx *ctx = stream;
  if (ctx->rc < 0 || ctx->pos >= ctx->len || num < 2) return NULL;
  if (ctx->line_start) {
    ctx->line++;
    ctx->line_start = false;
    const int rc = spr_jp_check_header(ctx);
    if (rc < 0) {
      ctx->rc = rc;
      return NULL;
    }
  }
  size_t n = 0;
  while (n < (size_t)num - 1 && ctx->pos < ctx->len) {
    const char c = ctx->buf[ctx->pos++];
    str[n++] = c;
    if (c == '\n') {
      ctx->line_start = true;
      break;
    }
  }
  str[n] = '\0';
  return str;
}

/* ${VAR} expansion of value; $$ is a literal $. *out is malloc'ed. */
static int spr_jp_expand(const spr_jp_ctx *ctx, const char *value, char **out) {
  spr_sbuf b = {0};
  int rc = spr_sbuf_str(&b, "");
  for (const char *p = value; rc == SPR_OK && *p;) {
    if (p[0] == '$' && p[1] == '$') {
      rc = spr_sbuf_add(&b, "$", 1);
      p += 2;
    } else if (p[0] == '$' && p[1] == '{') {
      const char *close = strchr(p + 2, '}');
      if (!close) {
        rc = SPR_FAIL(SPR_EPARSE, "%s:%d: unterminated ${ in value", ctx->label, ctx->line);
        break;
      }
      const size_t n = (size_t)(close - p - 2);
      char var[256];
      if (n == 0 || n >= sizeof var) {
        rc = SPR_FAIL(SPR_EPARSE, "%s:%d: bad environment variable name in '%s'", ctx->label,
                      ctx->line, value);
        break;
      }
      memcpy(var, p + 2, n);
      var[n] = '\0';
      const char *v = getenv(var);
      if (!v) {
        rc = SPR_FAIL(SPR_EPARSE, "%s:%d: environment variable '%s' is not set", ctx->label,
                      ctx->line, var);
        break;
      }
      rc = spr_sbuf_str(&b, v);
      p = close + 1;
    } else {
      rc = spr_sbuf_add(&b, p, 1);
      p++;
    }
  }
  if (rc < 0) {
    free(b.s);
    return rc;
  }
  *out = b.s;
  return SPR_OK;
}

static int spr_jp_handler(void *user, const char *section, const char *name, const char *value) {
  spr_jp_ctx *ctx = user;
  if (ctx->rc < 0) return 0;
  if (!section[0]) {
    ctx->rc = SPR_FAIL(SPR_EPARSE, "%s:%d: key '%s' outside of any section", ctx->label,
                       ctx->line, name);
    return 0;
  }
  const int k = spr_jp_key_index(section, name);
  if (k < 0) {
    ctx->rc = SPR_FAIL(SPR_EPARSE, "%s:%d: unknown key '%s' in section [%s]", ctx->label,
                       ctx->line, name, section);
    return 0;
  }
  if (ctx->raw[k]) {
    ctx->rc = SPR_FAIL(SPR_EPARSE, "%s:%d: duplicate key '%s' in section [%s] (first on line %d)",
                       ctx->label, ctx->line, name, section, ctx->key_line[k]);
    return 0;
  }
  const int rc = spr_jp_expand(ctx, value ? value : "", &ctx->raw[k]);
  if (rc < 0) {
    ctx->rc = rc;
    return 0;
  }
  ctx->key_line[k] = ctx->line;
  return 1;
}

/* Replace <name>, <output>, <basename> in a default. */
static int spr_jp_template(const char *def, const spr_job *job, const char *basename, char **out) {
  spr_sbuf b = {0};
  int rc = spr_sbuf_str(&b, "");
  for (const char *p = def; rc == SPR_OK && *p;) {
    if (!strncmp(p, "<name>", 6) && job->name) {
      rc = spr_sbuf_str(&b, job->name);
      p += 6;
    } else if (!strncmp(p, "<output>", 8) && job->output) {
      rc = spr_sbuf_str(&b, job->output);
      p += 8;
    } else if (!strncmp(p, "<basename>", 10)) {
      rc = spr_sbuf_str(&b, basename);
      p += 10;
    } else {
      rc = spr_sbuf_add(&b, p, 1);
      p++;
    }
  }
  if (rc < 0) {
    free(b.s);
    return rc;
  }
  *out = b.s;
  return SPR_OK;
}

/* Convert value for key k into the job. `where` is "FILE:LINE" (or "FILE" for defaults). */
static int spr_jp_set(spr_job *job, const spr_setting *key, const char *value, const char *where) {
  char *field = (char *)job + key->offset;
  /* a value that INI cannot hold once written back (spr_jobspec_print): a trailing blank, or a
   * blank before ';' (an inline comment) -- possible only through ${VAR} expansion */
  const size_t vl = strlen(value);
  if ((vl && strchr(" \t\r\v\f", value[vl - 1])) || strstr(value, " ;") || strstr(value, "\t;"))
    return SPR_FAIL(SPR_EPARSE, "%s: [%s] %s: value '%s' ends in a blank or holds a blank before ';'", where,
                    key->section, key->name, value);
  switch (key->type) {
    case SPR_SETTING_STRING:
    case SPR_SETTING_WORD:
    case SPR_SETTING_ENUM: {
      if (key->type == SPR_SETTING_ENUM && !spr_setting_choice_ok(key, value))
        return SPR_FAIL(SPR_EPARSE, "%s: [%s] %s: '%s' is not one of %s", where, key->section,
                        key->name, value, key->choices);
      if (key->type == SPR_SETTING_WORD && (!value[0] || strpbrk(value, " \t\r\n\v\f")))
        return SPR_FAIL(SPR_EPARSE, "%s: [%s] %s: '%s' is not one word", where, key->section,
                        key->name, value);
      char *s = spr_jp_strdup(value);
      if (!s) return SPR_FAIL(SPR_ENOMEM, "out of memory");
      free(*(char **)(void *)field);
      *(char **)(void *)field = s;
      return SPR_OK;
    }
    case SPR_SETTING_PATH: {
      if (!value[0])
        return SPR_FAIL(SPR_EPARSE, "%s: [%s] %s: empty path", where, key->section, key->name);
      char *s = spr_jp_abspath(job->dir, value);
      if (!s) return SPR_FAIL(SPR_ENOMEM, "out of memory");
      const size_t sl = strlen(s);
      if (sl && strchr(" \t\r\v\f", s[sl - 1])) { /* INI values cannot end in a blank */
        free(s);
        return SPR_FAIL(SPR_EPARSE, "%s: [%s] %s: '%s' resolves to a path that ends in a blank", where,
                        key->section, key->name, value);
      }
      free(*(char **)(void *)field);
      *(char **)(void *)field = s;
      return SPR_OK;
    }
    case SPR_SETTING_INT:
    case SPR_SETTING_INT64:
    case SPR_SETTING_FLOAT: {
      const int is_int = key->type != SPR_SETTING_FLOAT;
      long long iv = 0;
      double dv = 0;
      const int rc = spr_setting_number(key, value, &iv, &dv);
      if (rc == SPR_SETTING_NOT_A_NUMBER)
        return SPR_FAIL(SPR_EPARSE, "%s: [%s] %s: '%s' is not %s", where, key->section, key->name,
                        value, is_int ? "an integer" : "a number");
      if (rc == SPR_SETTING_OUT_OF_RANGE && is_int)
        return SPR_FAIL(SPR_EPARSE, "%s: [%s] %s: %lld is out of range [%.0f, %.0f]", where,
                        key->section, key->name, iv, key->min, key->max);
      if (rc == SPR_SETTING_OUT_OF_RANGE)
        return SPR_FAIL(SPR_EPARSE, "%s: [%s] %s: %s is out of range [%g, %g]", where,
                        key->section, key->name, value, key->min, key->max);
      if (key->type == SPR_SETTING_INT64)
        *(long long *)(void *)field = iv;
      else if (is_int)
        *(int *)(void *)field = (int)iv;
      else
        *(double *)(void *)field = dv;
      return SPR_OK;
    }
    case SPR_SETTING_BOOL: {
      static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no",
                                                                                  "off", "0"};
      for (int i = 0; i < 4; i++) {
        if (!strcmp(value, yes[i])) return *(int *)(void *)field = 1, SPR_OK;
        if (!strcmp(value, no[i])) return *(int *)(void *)field = 0, SPR_OK;
      }
      return SPR_FAIL(SPR_EPARSE, "%s: [%s] %s: '%s' is not a boolean (true/false, yes/no, on/off, "
                      "1/0)", where, key->section, key->name, value);
    }
  }
  return SPR_FAIL(SPR_EINVAL, "bad key type");
}

/* Fill every field of job from ctx->raw and the defaults, in table order. */
static int spr_jp_resolve(spr_jp_ctx *ctx, spr_job *job, const char *basename) {
  char where[PATH_MAX + 32];
  for (size_t k = 0; k < spr_jp_nkeys(); k++) {
    const spr_setting *key = spr_jp_key(k);
    if (!key) continue;
    if (ctx->raw[k]) {
      snprintf(where, sizeof where, "%s:%d", ctx->label, ctx->key_line[k]);
      if (key->type == SPR_SETTING_PATH && key->def == spr_setting_none && !ctx->raw[k][0])
        continue; /* "qrels =" means none */
      SPR_TRY(spr_jp_set(job, key, ctx->raw[k], where));
    } else if (key->def == SPR_SETTING_REQUIRED) {
      return SPR_FAIL(SPR_EPARSE, "%s: missing required key '%s' in section [%s]", ctx->label,
                      key->name, key->section);
    } else if (key->def != spr_setting_none) {
      char *v = NULL;
      SPR_TRY(spr_jp_template(key->def, job, basename, &v));
      snprintf(where, sizeof where, "%s", ctx->label);
      const int rc = spr_jp_set(job, key, v, where);
      free(v);
      SPR_TRY(rc);
    }
    if (key->offset == SPR_OFF(name)) {
      if (!job->name[0] || strchr(job->name, '/'))
        return SPR_FAIL(SPR_EPARSE, "%s:%d: [job] name: '%s' must be non-empty without '/'",
                        ctx->label, ctx->key_line[k], job->name);
    }
  }
  return SPR_OK;
}

int spr_jobspec_parse(const char *text, size_t len, const char *name, const char *dir,
                      spr_job **out) {
  if (!out || (!text && len) || !name) return SPR_FAIL(SPR_EINVAL, "spr_jobspec_parse: NULL argument");
  *out = NULL;
  spr_jp_ctx ctx = {0};
  ctx.label = name;
  ctx.buf = text ? text : "";
  ctx.len = len;
  ctx.line_start = true;
  spr_job *job = calloc(1, sizeof *job);
  char *basename = spr_jp_basename(name);
  char cwd[PATH_MAX];
  int rc = SPR_OK;
  if (!job || !basename) {
    rc = SPR_FAIL(SPR_ENOMEM, "out of memory");
    goto cleanup;
  }
  if (!dir) {
    if (!getcwd(cwd, sizeof cwd)) {
      rc = SPR_FAIL(SPR_EIO, "cannot get the current folder: %s", strerror(errno));
      goto cleanup;
    }
    dir = cwd;
  }
  job->dir = spr_jp_abspath(dir[0] == '/' || !getcwd(cwd, sizeof cwd) ? "/" : cwd, dir);
  job->file = spr_jp_strdup("");
  if (!job->dir || !job->file) {
    rc = SPR_FAIL(SPR_ENOMEM, "out of memory");
    goto cleanup;
  }

  /* inih options are globals: set what this parser needs, restore afterwards */
  const bool old_multiline = ini_allow_multiline, old_stack = ini_use_stack,
             old_realloc = ini_allow_realloc, old_stop = ini_stop_on_first_error,
             old_inline = ini_allow_inline_comments, old_novalue = ini_allow_no_value;
  const int old_max = ini_max_line;
  ini_allow_multiline = false; /* an indented line is an error, not a continuation */
  ini_use_stack = false;
  ini_allow_realloc = true;
  ini_max_line = SPR_JP_MAX_LINE;
  ini_stop_on_first_error = true;
  ini_allow_inline_comments = true;
  ini_allow_no_value = false;
  const int ir = ini_parse_stream(spr_jp_reader, &ctx, spr_jp_handler, &ctx);
  ini_allow_multiline = old_multiline;
  ini_use_stack = old_stack;
  ini_allow_realloc = old_realloc;
  ini_max_line = old_max;
  ini_stop_on_first_error = old_stop;
  ini_allow_inline_comments = old_inline;
  ini_allow_no_value = old_novalue;

  if (ctx.rc < 0) {
    rc = ctx.rc;
  } else if (ir > 0) {
    rc = SPR_FAIL(SPR_EPARSE, "%s:%d: syntax error (expected '[section]' or 'key = value')",
                  name, ir);
  } else if (ir < 0) {
    rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory while parsing", name);
  } else {
    rc = spr_jp_resolve(&ctx, job, basename);
  }
cleanup:
  for (size_t k = 0; k < spr_jp_nkeys(); k++) free(ctx.raw[k]);
  free(basename);
  if (rc < 0) {
    spr_jobspec_free(&job);
    return rc;
  }
  *out = job;
  return SPR_OK;
}

int spr_jobspec_load(const char *path, spr_job **out) {
  if (!path || !out) return SPR_FAIL(SPR_EINVAL, "spr_jobspec_load: NULL argument");
  *out = NULL;
  char *text = NULL;
  size_t len = 0;
  int rc = spr_file_read(path, NULL, &text, &len);
  char *abs = NULL, *dir = NULL;
  if (rc == SPR_OK) {
    char cwd[PATH_MAX];
    abs = spr_jp_abspath(path[0] == '/' || !getcwd(cwd, sizeof cwd) ? "/" : cwd, path);
    if (!abs) rc = SPR_FAIL(SPR_ENOMEM, "out of memory");
  }
  if (rc == SPR_OK) {
    dir = spr_jp_abspath(abs, "..");
    if (!dir) rc = SPR_FAIL(SPR_ENOMEM, "out of memory");
  }
  spr_job *job = NULL;
  if (rc == SPR_OK) rc = spr_jobspec_parse(text, len, path, dir, &job);
  if (rc == SPR_OK) {
    free(job->file);
    job->file = abs;
    abs = NULL;
    *out = job;
  }
  free(abs);
  free(dir);
  free(text);
  return rc;
}

void spr_jobspec_free(spr_job **p) {
  if (!p || !*p) return;
  spr_job *job = *p;
  spr_settings_free_fields(job);
  free(job->file);
  free(job->dir);
  free(job);
  *p = NULL;
}

/* ---------------------------------------------------------------------------------------------
 * Listings generated from the table. */

static const char *spr_jp_default_text(const spr_setting *key) {
  if (key->def == SPR_SETTING_REQUIRED) return "(required)";
  if (key->def == spr_setting_none) return "(none)";
  return key->def;
}

static void spr_jp_range_text(const spr_setting *key, char *buf, size_t cap) {
  spr_setting_range_text(key, buf, cap);
  if (key->type == SPR_SETTING_BOOL) snprintf(buf, cap, "true|false");
}

void spr_jobspec_print_keys(FILE *f) {
  fprintf(f, "Job spec keys (INI; ${VAR} expands environment variables; relative paths resolve\n"
             "against the job file's folder; <name>/<output> in defaults are job.name/job.output):\n");
  for (size_t s = 0; s < SPR_NSECTIONS; s++) {
    fprintf(f, "\n[%s]  %s\n", spr_jobsections[s], spr_jobsection_help[s]);
    for (size_t k = 0; k < spr_jp_nkeys(); k++) {
      const spr_setting *key = spr_jp_key(k);
    if (!key) continue;
      if (strcmp(key->section, spr_jobsections[s])) continue;
      char range[128];
      spr_jp_range_text(key, range, sizeof range);
      fprintf(f, "  %-11s %-6s default: %s%s%s\n", key->name, spr_jobkey_type_names[key->type],
              spr_jp_default_text(key), range[0] ? "  allowed: " : "", range);
      fprintf(f, "              %s\n", key->help);
    }
  }
}

static const char spr_jp_md_intro[] =
    "# Job specs\n"
    "\n"
    "<!-- Generated by spr_jobspec_write_markdown() in jobs/spr_jobspec.c from the table of\n"
    "     settings in jobs/spr_settings.c; do not edit by hand (the unit test unit_jobspec checks\n"
    "     that this file is current, and `build/tests/unit_jobspec --write-docs docs/jobs.md`\n"
    "     regenerates it). -->\n"
    "\n"
    "`spire run JOB.ini` runs every stage of a job described by an INI file; `spire run\n"
    "--help-keys` lists the same keys as this page.\n"
    "\n"
    "## Syntax\n"
    "\n"
    "- `[section]` headers and `key = value` lines; whitespace around keys and values is ignored.\n"
    "- Comments: lines starting with `;` or `#`, and ` ;` to the end of a line after a value.\n"
    "- `${VAR}` in a value is replaced by the environment variable `VAR` (an unset variable is an\n"
    "  error); `$$` is a literal `$`.\n"
    "- Relative paths resolve against the folder of the job file, not the current folder.\n"
    "- Defaults may refer to other keys: `<name>` is `[job] name` and `<output>` is `[job] output`.\n"
    "- Errors name the file and line: unknown sections or keys, keys outside a section, duplicate\n"
    "  sections or keys, values of the wrong type or out of range, and missing required keys all\n"
    "  stop the job before it starts, e.g. `jobs/x.ini:3: unknown key 'x' in section [corpus]`.\n";

static const char spr_jp_md_example[] =
    "\n"
    "## Example\n"
    "\n"
    "```ini\n"
    "; jobs/examples/cranfield.ini: BM25 on Cranfield\n"
    "[job]\n"
    "name = cranfield\n"
    "output = ../../out/cranfield\n"
    "\n"
    "[corpus]\n"
    "path = ../../../shared/data/cranfield/corpus.jsonl\n"
    "queries = ../../../shared/data/cranfield/queries.tsv\n"
    "qrels = ../../../shared/data/cranfield/qrels.txt\n"
    "\n"
    "[encode]\n"
    "model = bm25\n"
    "k1 = 0.9\n"
    "b = 0.4\n"
    "\n"
    "[search]\n"
    "k = 1000\n"
    "threads = ${SPIRE_THREADS}   ; from the environment\n"
    "```\n";

void spr_jobspec_write_markdown(FILE *f) {
  fputs(spr_jp_md_intro, f);
  for (size_t s = 0; s < SPR_NSECTIONS; s++) {
    fprintf(f, "\n## [%s]\n\n%s\n\n", spr_jobsections[s], spr_jobsection_help[s]);
    fprintf(f, "| key | type | default | allowed | description |\n");
    fprintf(f, "| --- | --- | --- | --- | --- |\n");
    for (size_t k = 0; k < spr_jp_nkeys(); k++) {
      const spr_setting *key = spr_jp_key(k);
    if (!key) continue;
      if (strcmp(key->section, spr_jobsections[s])) continue;
      char range[128];
      spr_jp_range_text(key, range, sizeof range);
      const char *def = spr_jp_default_text(key);
      const int code = key->def != SPR_SETTING_REQUIRED && key->def != spr_setting_none;
      /* enum choices as separate code spans: a '|' would split the table cell */
      char allowed[256] = "";
      size_t used = 0;
      for (const char *p = range; *p && used + 8 < sizeof allowed;) {
        const char *e = strchr(p, '|');
        const int n = e ? (int)(e - p) : (int)strlen(p);
        used += (size_t)snprintf(allowed + used, sizeof allowed - used, "%s`%.*s`",
                                 used ? ", " : "", n, p);
        p = e ? e + 1 : p + n;
      }
      fprintf(f, "| `%s` | %s | %s%s%s | %s | %s |\n", key->name, spr_jobkey_type_names[key->type],
              code ? "`" : "", def, code ? "`" : "", allowed, key->help);
    }
  }
  fputs(spr_jp_md_example, f);
}

void spr_jobspec_print(FILE *f, const spr_job *job) {
  fprintf(f, "; resolved job spec of %s\n", job->file && job->file[0] ? job->file : "(memory)");
  for (size_t s = 0; s < SPR_NSECTIONS; s++) {
    fprintf(f, "%s[%s]\n", s ? "\n" : "", spr_jobsections[s]);
    for (size_t k = 0; k < spr_jp_nkeys(); k++) {
      const spr_setting *key = spr_jp_key(k);
    if (!key) continue;
      if (strcmp(key->section, spr_jobsections[s])) continue;
      const char *field = (const char *)job + key->offset;
      switch (key->type) {
        case SPR_SETTING_STRING:
        case SPR_SETTING_PATH:
        case SPR_SETTING_WORD:
        case SPR_SETTING_ENUM: {
          const char *v = *(char *const *)(const void *)field;
          if (v) {
            /* "k = ;x" would read back as an empty value and a comment: no blank before ';' or '#' */
            fprintf(f, (v[0] == ';' || v[0] == '#') ? "%s =" : "%s = ", key->name);
            for (const char *p = v; *p; p++) fputs(*p == '$' ? "$$" : (char[2]){*p, 0}, f);
            fputc('\n', f);
          } else
            fprintf(f, "; %s =\n", key->name);
          break;
        }
        case SPR_SETTING_INT:
          fprintf(f, "%s = %d\n", key->name, *(const int *)(const void *)field);
          break;
        case SPR_SETTING_INT64:
          fprintf(f, "%s = %lld\n", key->name, *(const long long *)(const void *)field);
          break;
        case SPR_SETTING_BOOL:
          fprintf(f, "%s = %s\n", key->name, *(const int *)(const void *)field ? "true" : "false");
          break;
        case SPR_SETTING_FLOAT:
          fprintf(f, "%s = %.17g\n", key->name, *(const double *)(const void *)field);
          break;
      }
    }
  }
}
