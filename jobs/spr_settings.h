/* spr_settings.h: every setting of spire, declared once.
 * One table (spr_settings.c) gives each setting its job-spec key, its command-line options, type,
 * default, range or allowed values and help, and where it lives in spr_job. From it follow the
 * job-spec parser and docs/jobs.md (spr_jobspec.h), the options, --help lines and usage errors of
 * the subcommands (spr_options.h), and the keys a stage's manifest records (cmd_run.c).
 * Adding a setting: one row in spr_settings.c, a field in spr_job, and the code that uses it.
 * Local (no MPI); the table is constant. */
#ifndef SPR_SETTINGS_H
#define SPR_SETTINGS_H
#include <stddef.h>

/* Every setting's value. A job spec fills the keys of the sections (paths absolute); a subcommand's
 * options fill the fields its rows name (paths as given), defaults included. */
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
    char *model;    /* owned: "bm25", "vectors" or a model folder ("auto" on the command line) */
    char *analyzer; /* owned: "english" or "standard" */
    double k1, b;
    int bits;
    int max_length; /* SPLADE: tokens per document */
    char *precision; /* owned: SPLADE arithmetic, "f32" or "int8" */
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
  struct { /* command-line options without a job-spec key */
    char *output;      /* owned: encode, tokenize: the output file */
    char *text_format; /* owned: encode, tokenize: auto, jsonl or tsv */
    char *vocab;       /* owned: tokenize: vocab.txt */
    char *weights;     /* owned: encode: weights file in the model folder */
    char *query_model; /* owned: search: model folder for the queries; NULL = the index's */
    int query;         /* encode: the input holds queries */
    int batch_tokens;  /* encode: tokens per forward pass, 0 = one text per pass */
    int quiet;         /* no progress lines */
    /* eval (trec_eval's options; --qrels, --run and --metrics are the rows of corpus.qrels,
     * search.run and eval.metrics) */
    int per_query;           /* -q: every query's values too */
    int complete;            /* -c: average over every query of the qrels */
    long long max_per_query; /* -M: the first N ranked documents only; 0 = all */
    char *json;              /* owned: --json output, NULL = none */
    char *report_dir;        /* owned: --report DIR, NULL = none */
    char *markdown, *report_json, *html; /* owned: single report files, NULL = none */
    char *plot_metric;       /* owned: NULL = nDCG@10 when computed */
    char *title;             /* owned: the report's heading */
    double sig_alpha;        /* significance level of the report */
    char *holm_family;       /* owned: "metric" or "all" */
    int text_plots;          /* text charts even with gnuplot */
    char *label, *latency;   /* owned: the last --label and --latency (each goes to its --run) */
  } cli;
} spr_job;

typedef enum spr_setting_type {
  SPR_SETTING_STRING,
  SPR_SETTING_PATH,
  SPR_SETTING_INT,
  SPR_SETTING_FLOAT,
  SPR_SETTING_BOOL, /* job spec: true/false...; command line: a flag without value */
  SPR_SETTING_ENUM,
  SPR_SETTING_WORD, /* a string without blanks */
  SPR_SETTING_INT64, /* a long long field; command line only */
} spr_setting_type;

/* The subcommands that take options from the table. */
enum {
  SPR_CMD_INDEX = 1u << 0,
  SPR_CMD_SEARCH = 1u << 1,
  SPR_CMD_ENCODE = 1u << 2,
  SPR_CMD_TOKENIZE = 1u << 3,
  SPR_CMD_EVAL = 1u << 4,
};

/* Row flags. */
enum {
  SPR_SETTING_INDEX_STAGE = 1u << 0,  /* recorded in the index stage's manifest: a change rebuilds */
  SPR_SETTING_SEARCH_STAGE = 1u << 1, /* recorded in the search stage's manifest */
  SPR_SETTING_OPEN_RANGE = 1u << 2,   /* numbers: min and max themselves are out of range */
};

/* Option flags. */
enum {
  SPR_OPTION_ONCE = 1u << 0, /* given twice is a usage error (else the last one counts) */
  SPR_OPTION_EACH = 1u << 1, /* repeatable: every occurrence, in order, goes to the command's
                                callback (spr_options.h) instead of the field; so does the
                                default when the option is absent */
};

/* Default markers: SPR_SETTING_REQUIRED (a job spec must give the key) and spr_setting_none (a
 * string or path left NULL when absent). A default may hold <name>, <output> and <basename>. */
#define SPR_SETTING_REQUIRED NULL
extern const char spr_setting_none[];

/* One command-line option of a setting. */
typedef struct spr_setting_option {
  unsigned cmds;    /* SPR_CMD_* that take it; 0 ends the list */
  const char *name; /* without "--"; NULL: a short option only */
  const char *arg;  /* value's name in --help ("N", "PATH"); NULL for a flag */
  int required;     /* the commands fail without it */
  const char *help; /* --help text, or NULL: the setting's help */
  char letter;      /* short option -x (-x VALUE or -xVALUE), 0 = none; only for commands parsed in
                       trec_eval's syntax (spr_options_cmd.exact), and then name may be NULL */
  unsigned flags;   /* SPR_OPTION_* */
} spr_setting_option;

#define SPR_SETTING_MAX_OPTIONS 3
#define SPR_SETTINGS_MAX 64 /* rows the table may hold (arrays indexed by row) */

typedef struct spr_setting {
  const char *section; /* job-spec section, or NULL: command line only */
  const char *name;    /* job-spec key (or a name for messages) */
  spr_setting_type type;
  const char *def;     /* default text, SPR_SETTING_REQUIRED or spr_setting_none */
  const char *cli_def; /* the command line's default where it differs from def, else NULL */
  double min, max;     /* int and float: inclusive range */
  const char *choices; /* enum: allowed values separated by '|' */
  const char *help;
  size_t offset; /* of the field in spr_job: char * (string, path, enum, word), int (int, bool), double,
                    long long (int64) */
  unsigned flags; /* SPR_SETTING_*_STAGE, SPR_SETTING_OPEN_RANGE */
  spr_setting_option options[SPR_SETTING_MAX_OPTIONS];
} spr_setting;

/* Local. The table, in job-spec order; *n receives its length. */
const spr_setting *spr_settings(size_t *n);

/* Local. "min..max" (int, float; "min..", int64 up to LLONG_MAX), "(min, max)" with
 * SPR_SETTING_OPEN_RANGE, or "a|b|c" (enum), "" otherwise. */
void spr_setting_range_text(const spr_setting *s, char *buf, size_t cap);

/* Local. Parse v as the int or int64 (into *iv) or float (into *dv) setting s: 0, SPR_SETTING_NOT_A_NUMBER
 * (not a whole decimal integer, or not a finite number) or SPR_SETTING_OUT_OF_RANGE (outside
 * [min, max]; the value is still stored for the message). */
enum { SPR_SETTING_NOT_A_NUMBER = -1, SPR_SETTING_OUT_OF_RANGE = -2 };
int spr_setting_number(const spr_setting *s, const char *v, long long *iv, double *dv);

/* Local. 1 if v is one of an enum's choices, else 0. */
int spr_setting_choice_ok(const spr_setting *s, const char *v);

/* Local. Append "key=value\n" for every setting with a flag of `stage` to buf (NUL-terminated,
 * truncated at cap): what a stage's manifest records. Floats at full precision. */
void spr_settings_manifest(const spr_job *job, unsigned stage, char *buf, size_t cap);

/* Local. Free every owned string of job (not job itself) and zero them. */
void spr_settings_free_fields(spr_job *job);
#endif /* SPR_SETTINGS_H */
