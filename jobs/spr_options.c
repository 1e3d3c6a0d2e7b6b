/* spr_options.c: subcommand options from the table of settings (see spr_options.h). */
#include "spr_options.h"

#include <errno.h>
#include <getopt.h>
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

/* Store value v (or the flag) into the setting's field; a usage error names --name. */
static int spr_opt_set(const spr_comm *world, const char *cmd, const spr_setting *s, const char *name,
                       const char *v, spr_job *job) {
  void *field = (char *)job + s->offset;
  char text[256];
  switch (s->type) {
    case SPR_SETTING_BOOL:
      *(int *)field = 1;
      return SPR_EXIT_OK;
    case SPR_SETTING_INT:
    case SPR_SETTING_FLOAT: {
      long long iv = 0;
      double dv = 0;
      if (spr_setting_number(s, v, &iv, &dv) < 0) {
        if (s->type == SPR_SETTING_INT)
          return spr_cli_usage_error(world, cmd, "--%s must be an integer in [%.0f, %.0f], not '%s'", name,
                                     s->min, s->max, v);
        return spr_cli_usage_error(world, cmd, "--%s must be a number in [%g, %g], not '%s'", name, s->min,
                                   s->max, v);
      }
      if (s->type == SPR_SETTING_INT)
        *(int *)field = (int)iv;
      else
        *(double *)field = dv;
      return SPR_EXIT_OK;
    }
    case SPR_SETTING_ENUM:
      if (!spr_setting_choice_ok(s, v)) {
        spr_opt_choices_text(s->choices, text, sizeof text);
        return spr_cli_usage_error(world, cmd, "--%s must be %s, not '%s'", name, text, v);
      }
      break;
    case SPR_SETTING_WORD:
      if (!*v || strpbrk(v, " \t\r\n\v\f"))
        return spr_cli_usage_error(world, cmd, "--%s must be one word, not '%s'", name, v);
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

static void spr_opt_help(const spr_options_cmd *cmd) {
  fputs(cmd->usage, stdout);
  size_t n = 0;
  const spr_setting *t = spr_settings(&n);
  for (size_t i = 0; i < n; i++)
    for (int j = 0; j < SPR_SETTING_MAX_OPTIONS; j++) {
      const spr_setting_option *o = spr_opt_of(&t[i], j, cmd->id);
      if (!o) continue;
      char head[96], text[2048], range[256];
      snprintf(head, sizeof head, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
      const char *def = spr_opt_default(&t[i]), *help = o->help ? o->help : t[i].help;
      if (t[i].type == SPR_SETTING_ENUM)
        spr_opt_choices_text(t[i].choices, range, sizeof range);
      else
        spr_setting_range_text(&t[i], range, sizeof range); /* "" but for numbers */
      if (o->required)
        snprintf(text, sizeof text, "%s (required)", help);
      else if (t[i].type == SPR_SETTING_BOOL || (!def && !range[0]))
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
  printf("  %-19s this help\n", "-h, --help");
}

void spr_options_free(spr_job **p) {
  if (!p || !*p) return;
  spr_settings_free_fields(*p);
  free(*p);
  *p = NULL;
}

int spr_options_parse(const spr_comm *world, const spr_options_cmd *cmd, int argc, char **argv,
                      spr_job **out) {
  *out = NULL;
  if (spr_cli_has_help(argc, argv)) {
    if (world->rank == 0) spr_opt_help(cmd);
    return SPR_EXIT_OK;
  }
  size_t n = 0;
  const spr_setting *t = spr_settings(&n);
  spr_job *job = calloc(1, sizeof *job);
  struct option *opts = calloc(SPR_OPT_MAX + 1, sizeof *opts);
  int *row = calloc(SPR_OPT_MAX, sizeof *row);
  int given[SPR_SETTINGS_MAX] = {0};
  int status = SPR_EXIT_OK;
  if (!job || !opts || !row) {
    status = spr_opt_nomem(world, cmd->name);
    goto done;
  }
  /* the command's options, and every setting it takes at its default */
  int nopt = 0;
  for (size_t i = 0; i < n && status == SPR_EXIT_OK; i++) {
    int takes = 0;
    for (int j = 0; j < SPR_SETTING_MAX_OPTIONS; j++) {
      const spr_setting_option *o = spr_opt_of(&t[i], j, cmd->id);
      if (!o) continue;
      opts[nopt] = (struct option){o->name, o->arg ? required_argument : no_argument, NULL, 256 + nopt};
      row[nopt++] = (int)(i * SPR_SETTING_MAX_OPTIONS) + j;
      takes = 1;
    }
    const char *def = spr_opt_default(&t[i]);
    if (takes && def && t[i].type != SPR_SETTING_BOOL) status = spr_opt_set(world, cmd->name, &t[i], "", def, job);
  }
  optind = 1;
  opterr = 0;
  int ch;
  while (status == SPR_EXIT_OK && (ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (ch < 256 || ch >= 256 + nopt) {
      status = spr_cli_usage_error(world, cmd->name, "unknown or incomplete option '%s'", argv[optind - 1]);
      break;
    }
    const size_t i = (size_t)row[ch - 256] / SPR_SETTING_MAX_OPTIONS;
    given[i] = 1;
    status = spr_opt_set(world, cmd->name, &t[i], opts[ch - 256].name, optarg, job);
  }
  if (status == SPR_EXIT_OK && optind < argc)
    status = spr_cli_usage_error(world, cmd->name, "unexpected argument '%s'", argv[optind]);
  /* every required option is named in one message, like "--input and --output are required" */
  char req[512] = "";
  int nreq = 0, missing = 0;
  for (int k = 0; k < nopt; k++) {
    const spr_setting_option *o = &t[row[k] / SPR_SETTING_MAX_OPTIONS].options[row[k] % SPR_SETTING_MAX_OPTIONS];
    if (!o->required) continue;
    missing |= !given[row[k] / SPR_SETTING_MAX_OPTIONS];
    nreq++;
  }
  for (int k = 0, m = 0; status == SPR_EXIT_OK && missing && k < nopt; k++) {
    const spr_setting_option *o = &t[row[k] / SPR_SETTING_MAX_OPTIONS].options[row[k] % SPR_SETTING_MAX_OPTIONS];
    if (!o->required) continue;
    m++;
    const size_t used = strlen(req);
    snprintf(req + used, sizeof req - used, "%s--%s", m == 1 ? "" : m == nreq ? " and " : ", ", o->name);
  }
  if (status == SPR_EXIT_OK && missing)
    status = spr_cli_usage_error(world, cmd->name, "%s %s required", req, nreq == 1 ? "is" : "are");
done:
  free(opts);
  free(row);
  if (status == SPR_EXIT_OK) *out = job;
  else spr_options_free(&job);
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
