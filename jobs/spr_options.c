/* spr_options.c: subcommand options from the table of settings (see spr_options.h). */
#include "spr_options.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spr_cli.h"
#include "spr_jobspec.h"

#define SPR_OPT_MAX (SPR_SETTINGS_MAX * SPR_SETTING_MAX_OPTIONS)
#define SPR_OPT_COL 22    /* --help: column of the option texts */
#define SPR_OPT_WIDTH 100 /* --help: line width the texts wrap at */
#define SPR_OPT_NBSP '\x01' /* --help: a blank the texts do not wrap at */

/* Option j of setting s, when command cmd takes it. */
static const spr_setting_option *spr_opt_of(const spr_setting *s, int j, unsigned cmd) {
  const spr_setting_option *o = &s->options[j];
  return o->cmds & cmd ? o : NULL;
}

/* The default the command line starts from: cli_def, else def unless it is a marker or a
 * template of the job spec (<output>/...). */
static const char *spr_opt_default(const spr_setting *s) {
  if (s->cli_def) return s->cli_def;
  if (s->def == SPR_SETTING_REQUIRED || s->def == spr_setting_none || strchr(s->def, '<')) return NULL;
  return s->def;
}

/* "a, b or c" from "a|b|c". */
static void spr_opt_choices_text(const char *choices, char *buf, size_t cap) {
  size_t used = 0;
  buf[0] = '\0';
  for (const char *p = choices; *p && used < cap;) {
    const char *e = strchr(p, '|');
    const int n = e ? (int)(e - p) : (int)strlen(p);
    const char *sep = used == 0 ? "" : e ? ", " : " or ";
    const int w = snprintf(buf + used, cap - used, "%s%.*s", sep, n, p);
    used += w > 0 ? (size_t)w : 0;
    p = e ? e + 1 : p + n;
  }
}

/* Out of memory while parsing: local, so no agreement (no other rank waits on this one yet). */
static int spr_opt_nomem(const spr_comm *world, const char *cmd) {
  fprintf(stderr, "spire %s: error: rank %d: out of memory\n", cmd, world->rank);
  return SPR_EXIT_FAIL;
}

/* Store value v (or the flag) into the setting's field; a usage error names the option `opt`
 * ("--k1", "-M"). */
static int spr_opt_set(const spr_comm *world, const char *cmd, const spr_setting *s, const char *opt,
                       const char *v, spr_job *job) {
  void *field = (char *)job + s->offset;
  char text[256];
  switch (s->type) {
    case SPR_SETTING_BOOL:
      *(int *)field = 1;
      return SPR_EXIT_OK;
    case SPR_SETTING_INT:
    case SPR_SETTING_INT64:
    case SPR_SETTING_FLOAT: {
      long long iv = 0;
      double dv = 0;
      if (spr_setting_number(s, v, &iv, &dv) < 0) {
        if (s->type == SPR_SETTING_INT64) /* the double of LLONG_MAX is 2^63 */
          return spr_cli_usage_error(world, cmd, "%s must be an integer in [%.0f, %lld], not '%s'", opt, s->min,
                                     s->max >= 0x1p63 ? LLONG_MAX : (long long)s->max, v);
        if (s->type == SPR_SETTING_INT)
          return spr_cli_usage_error(world, cmd, "%s must be an integer in [%.0f, %.0f], not '%s'", opt, s->min,
                                     s->max, v);
        if (s->flags & SPR_SETTING_OPEN_RANGE)
          return spr_cli_usage_error(world, cmd, "%s must be a number in (%g, %g), not '%s'", opt, s->min, s->max, v);
        return spr_cli_usage_error(world, cmd, "%s must be a number in [%g, %g], not '%s'", opt, s->min, s->max, v);
      }
      if (s->type == SPR_SETTING_INT64)
        *(long long *)field = iv;
      else if (s->type == SPR_SETTING_INT)
        *(int *)field = (int)iv;
      else
        *(double *)field = dv;
      return SPR_EXIT_OK;
    }
    case SPR_SETTING_ENUM:
      if (!spr_setting_choice_ok(s, v)) {
        spr_opt_choices_text(s->choices, text, sizeof text);
        return spr_cli_usage_error(world, cmd, "%s must be %s, not '%s'", opt, text, v);
      }
      break;
    case SPR_SETTING_WORD:
      if (!*v || strpbrk(v, " \t\r\n\v\f"))
        return spr_cli_usage_error(world, cmd, "%s must be one word, not '%s'", opt, v);
      break;
    case SPR_SETTING_STRING:
    case SPR_SETTING_PATH:
      break;
  }
  char *copy = strdup(v);
  if (!copy) return spr_opt_nomem(world, cmd);
  free(*(char **)field);
  *(char **)field = copy;
  return SPR_EXIT_OK;
}

/* Print text from column `col` on, wrapped at SPR_OPT_WIDTH, continuation lines at SPR_OPT_COL;
 * backticks (Markdown in the job-spec help) are left out, SPR_OPT_NBSP prints as a blank. */
static void spr_opt_wrap(FILE *f, const char *text, int col) {
  const char *p = text;
  while (*p) {
    while (*p == ' ') p++;
    /* the longest run of words that fits, at least one word */
    const char *end = p, *q = p;
    int width = col;
    while (*q) {
      const char *w = q;
      int len = 0;
      while (*w && *w != ' ') len += *w++ != '`';
      if (q != p && width + 1 + len > SPR_OPT_WIDTH) break;
      width += (q != p) + len;
      end = w;
      q = w;
      while (*q == ' ') q++;
    }
    for (const char *c = p; c < end; c++)
      if (*c != '`') fputc(*c == SPR_OPT_NBSP ? ' ' : *c, f);
    fputc('\n', f);
    p = end;
    while (*p == ' ') p++;
    if (*p) fprintf(f, "%*s", SPR_OPT_COL, "");
    col = SPR_OPT_COL;
  }
}

/* An option as --help and messages name it: "--name", "-x" or "-x, --name". */
static void spr_opt_name(const spr_setting_option *o, int both, char *buf, size_t cap) {
  if (o->letter && o->name && both) snprintf(buf, cap, "-%c, --%s", o->letter, o->name);
  else if (o->letter) snprintf(buf, cap, "-%c", o->letter);
  else snprintf(buf, cap, "--%s", o->name);
}

/* One option's --help entry; `first`: the row's first option of the command (which alone shows
 * the range and default). */
static void spr_opt_help_line(const spr_setting *s, const spr_setting_option *o, int first) {
  char head[96], name[64], text[2048], range[256];
  spr_opt_name(o, 1, name, sizeof name);
  snprintf(head, sizeof head, "%s%s%s", name, o->arg ? " " : "", o->arg ? o->arg : "");
  const char *def = spr_opt_default(s), *help = o->help ? o->help : s->help;
  if (s->type == SPR_SETTING_ENUM)
    spr_opt_choices_text(s->choices, range, sizeof range);
  else
    spr_setting_range_text(s, range, sizeof range); /* "" but for numbers */
  if (o->required)
    snprintf(text, sizeof text, "%s (required)", help);
  else if (!first || s->type == SPR_SETTING_BOOL || (!def && !range[0]))
    snprintf(text, sizeof text, "%s", help);
  else { /* "[range; default X]" is not wrapped */
    const int at = snprintf(text, sizeof text, "%s ", help);
    snprintf(text + at, sizeof text - (size_t)at, "[%s%s%s%s]", range, range[0] && def ? "; " : "",
             def ? "default " : "", def ? def : "");
    for (char *c = text + at; *c; c++)
      if (*c == ' ') *c = SPR_OPT_NBSP;
  }
  const int hl = (int)strlen(head);
  printf("  %s", head);
  if (hl <= SPR_OPT_COL - 4) printf("%*s", SPR_OPT_COL - 2 - hl, "");
  else printf("  ");
  spr_opt_wrap(stdout, text, hl <= SPR_OPT_COL - 4 ? SPR_OPT_COL : 2 + hl + 2);
}

static void spr_opt_help(const spr_options_cmd *cmd) {
  fputs(cmd->usage, stdout);
  size_t n = 0;
  const spr_setting *t = spr_settings(&n);
  for (size_t i = 0; i < n; i++)
    for (int j = 0, first = 1; j < SPR_SETTING_MAX_OPTIONS; j++) {
      const spr_setting_option *o = spr_opt_of(&t[i], j, cmd->id);
      if (!o) continue;
      spr_opt_help_line(&t[i], o, first);
      first = 0;
    }
  printf("  %-19s this help\n", "-h, --help");
  if (cmd->epilog) fputs(cmd->epilog, stdout);
}

void spr_options_free(spr_job **p) {
  if (!p || !*p) return;
  spr_settings_free_fields(*p);
  free(*p);
  *p = NULL;
}

/* The parse of one command line: the command's options (row and option of each) and which rows
 * were given. */
typedef struct spr_opt_state {
  const spr_comm *world;
  const spr_options_cmd *cmd;
  const spr_setting *t;
  size_t n;
  spr_job *job;
  void *ctx;
  struct option *opts; /* getopt_long's view, nopt entries + a zero one */
  int *row;            /* option k is option row[k] % MAX of setting row[k] / MAX */
  int nopt;
  int given[SPR_SETTINGS_MAX];
} spr_opt_state;

static const spr_setting_option *spr_opt_at(const spr_opt_state *st, int k) {
  return &st->t[st->row[k] / SPR_SETTING_MAX_OPTIONS].options[st->row[k] % SPR_SETTING_MAX_OPTIONS];
}

/* Option k given with value v (NULL for a flag). */
static int spr_opt_take(spr_opt_state *st, int k, const char *v) {
  const size_t i = (size_t)st->row[k] / SPR_SETTING_MAX_OPTIONS;
  const spr_setting_option *o = spr_opt_at(st, k);
  char name[64];
  spr_opt_name(o, 0, name, sizeof name);
  if ((o->flags & SPR_OPTION_ONCE) && st->given[i])
    return spr_cli_usage_error(st->world, st->cmd->name, "%s given twice", name);
  st->given[i] = 1;
  const int status = spr_opt_set(st->world, st->cmd->name, &st->t[i], name, v, st->job);
  if (status != SPR_EXIT_OK || !(o->flags & SPR_OPTION_EACH)) return status;
  return st->cmd->each(st->world, st->ctx, &st->t[i], v);
}

/* getopt_long's syntax. */
static int spr_opt_walk_getopt(spr_opt_state *st, int argc, char **argv) {
  optind = 1;
  opterr = 0;
  int ch, status = SPR_EXIT_OK;
  while (status == SPR_EXIT_OK && (ch = getopt_long(argc, argv, "", st->opts, NULL)) != -1) {
    if (ch < 256 || ch >= 256 + st->nopt)
      return spr_cli_usage_error(st->world, st->cmd->name, "unknown or incomplete option '%s'", argv[optind - 1]);
    status = spr_opt_take(st, ch - 256, optarg);
  }
  if (status == SPR_EXIT_OK && optind < argc)
    status = spr_cli_usage_error(st->world, st->cmd->name, "unexpected argument '%s'", argv[optind]);
  return status;
}

/* trec_eval's syntax (spr_options_cmd.exact): whole names, -xVALUE, every argument an option. */
static int spr_opt_walk_exact(spr_opt_state *st, int argc, char **argv) {
  const char *const *pos = st->cmd->positional;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = NULL;
    int k = st->nopt;
    if (pos && *pos && (a[0] != '-' || !a[1])) { /* a bare argument: the next positional option's value */
      for (;; pos++) { /* skipping those given already by name (--qrels Q R: R is a run) */
        for (k = 0; k < st->nopt && (!spr_opt_at(st, k)->name || strcmp(spr_opt_at(st, k)->name, *pos)); k++) {
        }
        const int taken = k < st->nopt && (spr_opt_at(st, k)->flags & SPR_OPTION_ONCE) &&
                          st->given[st->row[k] / SPR_SETTING_MAX_OPTIONS];
        if (!taken) break;
        if (!pos[1]) {
          k = st->nopt; /* nothing left to take it: unknown */
          break;
        }
      }
      v = a;
      if (pos[1]) pos++;
    } else if (a[0] == '-' && a[1] == '-') {
      const size_t len = strcspn(a + 2, "=");
      for (k = 0; k < st->nopt; k++) {
        const char *name = spr_opt_at(st, k)->name;
        if (name && strlen(name) == len && !strncmp(name, a + 2, len)) break;
      }
      if (k < st->nopt && a[2 + len] == '=') {
        if (!spr_opt_at(st, k)->arg) k = st->nopt; /* a flag takes no value */
        v = a + 3 + len;
      }
    } else if (a[0] == '-' && a[1]) {
      for (k = 0; k < st->nopt && spr_opt_at(st, k)->letter != a[1]; k++) {
      }
      if (k < st->nopt && a[2]) {
        if (!spr_opt_at(st, k)->arg) k = st->nopt; /* one flag per argument */
        v = a + 2;
      }
    }
    if (k == st->nopt) return spr_cli_usage_error(st->world, st->cmd->name, "unknown argument '%s'", a);
    if (spr_opt_at(st, k)->arg && !v) {
      if (i + 1 >= argc) return spr_cli_usage_error(st->world, st->cmd->name, "option %s needs a value", a);
      v = argv[++i];
    }
    const int status = spr_opt_take(st, k, v);
    if (status != SPR_EXIT_OK) return status;
  }
  return SPR_EXIT_OK;
}

/* After the walk: every required option is named in one message, like "--input and --output are
 * required"; each SPR_OPTION_EACH row not given gets its default through the callback. */
static int spr_opt_finish(spr_opt_state *st) {
  char req[512] = "";
  int nreq = 0, missing = 0;
  for (int k = 0; k < st->nopt; k++) {
    if (!spr_opt_at(st, k)->required) continue;
    missing |= !st->given[st->row[k] / SPR_SETTING_MAX_OPTIONS];
    nreq++;
  }
  for (int k = 0, m = 0; missing && k < st->nopt; k++) {
    const spr_setting_option *o = spr_opt_at(st, k);
    if (!o->required) continue;
    m++;
    const size_t used = strlen(req);
    snprintf(req + used, sizeof req - used, "%s--%s", m == 1 ? "" : m == nreq ? " and " : ", ", o->name);
  }
  if (missing) return spr_cli_usage_error(st->world, st->cmd->name, "%s %s required", req, nreq == 1 ? "is" : "are");
  for (int k = 0; k < st->nopt; k++) {
    const size_t i = (size_t)st->row[k] / SPR_SETTING_MAX_OPTIONS;
    const char *def = spr_opt_default(&st->t[i]);
    if (!(spr_opt_at(st, k)->flags & SPR_OPTION_EACH) || st->given[i] || !def) continue;
    st->given[i] = 1; /* once per row */
    const int status = st->cmd->each(st->world, st->ctx, &st->t[i], def);
    if (status != SPR_EXIT_OK) return status;
  }
  return SPR_EXIT_OK;
}

int spr_options_parse(const spr_comm *world, const spr_options_cmd *cmd, int argc, char **argv,
                      spr_job **out) {
  return spr_options_parse_each(world, cmd, argc, argv, NULL, out);
}

int spr_options_parse_each(const spr_comm *world, const spr_options_cmd *cmd, int argc, char **argv, void *ctx,
                           spr_job **out) {
  *out = NULL;
  if (spr_cli_has_help(argc, argv)) {
    if (world->rank == 0) spr_opt_help(cmd);
    return SPR_EXIT_OK;
  }
  spr_opt_state st = {.world = world, .cmd = cmd, .ctx = ctx};
  st.t = spr_settings(&st.n);
  st.job = calloc(1, sizeof *st.job);
  st.opts = calloc(SPR_OPT_MAX + 1, sizeof *st.opts);
  st.row = calloc(SPR_OPT_MAX, sizeof *st.row);
  int status = SPR_EXIT_OK;
  if (!st.job || !st.opts || !st.row) {
    status = spr_opt_nomem(world, cmd->name);
    goto done;
  }
  /* the command's options, and every setting it takes at its default */
  for (size_t i = 0; i < st.n && status == SPR_EXIT_OK; i++) {
    int takes = 0;
    for (int j = 0; j < SPR_SETTING_MAX_OPTIONS; j++) {
      const spr_setting_option *o = spr_opt_of(&st.t[i], j, cmd->id);
      if (!o) continue;
      st.opts[st.nopt] = (struct option){o->name, o->arg ? required_argument : no_argument, NULL, 256 + st.nopt};
      st.row[st.nopt++] = (int)(i * SPR_SETTING_MAX_OPTIONS) + j;
      takes = 1;
    }
    const char *def = spr_opt_default(&st.t[i]);
    if (takes && def && st.t[i].type != SPR_SETTING_BOOL)
      status = spr_opt_set(world, cmd->name, &st.t[i], "", def, st.job);
  }
  if (status == SPR_EXIT_OK) status = cmd->exact ? spr_opt_walk_exact(&st, argc, argv) : spr_opt_walk_getopt(&st, argc, argv);
  if (status == SPR_EXIT_OK) status = spr_opt_finish(&st);
done:
  free(st.opts);
  free(st.row);
  if (status == SPR_EXIT_OK) *out = st.job;
  else spr_options_free(&st.job);
  return status;
}

int spr_options_build_params(const spr_job *job, spr_build_params *p) {
  spr_corpus_format fmt = SPR_CORPUS_AUTO;
  SPR_TRY(spr_corpus_format_parse(job->corpus.format, &fmt));
  *p = (spr_build_params){.corpus = job->corpus.path,
                          .format = fmt,
                          .encoder = job->encode.model,
                          .max_length = job->encode.max_length,
                          .precision = job->encode.precision,
                          .analyzer = job->encode.analyzer,
                          .k1 = job->encode.k1,
                          .b = job->encode.b,
                          .bits = job->encode.bits,
                          .output = job->index.path,
                          .zstd_level = job->index.zstd_level,
                          .block_size = job->index.block_size,
                          .progress = !job->cli.quiet,
                          .reorder = job->index.reorder,
                          .bp_iterations = job->index.bp_iterations,
                          .bp_min_docs = (uint32_t)job->index.bp_min_docs,
                          .prune_top_terms = (uint32_t)job->index.prune_top_terms,
                          .prune_min_weight = job->index.prune_min_weight,
                          .prune_list_max = (uint32_t)job->index.prune_list_max,
                          .memory_budget = (uint64_t)job->index.memory_budget_mb << 20,
                          .spill_dir = job->index.spill_dir,
                          .policy = {.skip = !strcmp(job->corpus.on_error, "skip"),
                                     .max_record_bytes = (uint64_t)job->corpus.max_record_bytes}};
  return SPR_OK;
}

void spr_options_search_params(const spr_job *job, spr_search_params *p) {
  *p = (spr_search_params){.index = job->index.path,
                           .queries = job->corpus.queries,
                           .run = job->search.run,
                           .tag = job->search.tag,
                           .k = (uint32_t)job->search.k,
                           .algorithm = job->search.algorithm,
                           .alpha = job->search.alpha,
                           .beta = job->search.beta,
                           .replicated = !strcmp(job->search.serving, "replicated"),
                           .model = job->cli.query_model,
                           .query_format = job->corpus.query_format,
                           .progress = !job->cli.quiet};
}
