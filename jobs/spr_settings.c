/* spr_settings.c: the one table of settings (see spr_settings.h). Pure data and a few walks over
 * it; no I/O but the caller's buffer, so the job-spec parser's unit test and fuzzer link it alone. */
#include "spr_settings.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char spr_setting_none[] = "(none)";

#define SPR_OFF(field) offsetof(spr_job, field)
#define SPR_DEFAULT_METRICS                                                                       \
  "map,ndcg_cut.10,ndcg_cut.20,ndcg_cut.100,recip_rank,P.5,P.10,P.20,recall.10,recall.100," \
  "recall.1000"
/* spire eval's default set (trec_eval's counts included) */
#define SPR_DEFAULT_EVAL_MEASURES \
  "map,ndcg_cut.10,20,100,recip_rank,P.5,10,20,recall.10,100,1000,num_rel_ret,num_ret,num_rel,num_q"
#define SPR_IX SPR_SETTING_INDEX_STAGE
#define SPR_SE SPR_SETTING_SEARCH_STAGE

/* Rows in job-spec order (a default may use keys above it); command-line-only rows (no section)
 * sit where their options should appear in --help. */
static const spr_setting spr_setting_table[] = {
    {"job", "name", SPR_SETTING_STRING, "<basename>", NULL, 0, 0, NULL,
     "Name of the job (no '/'); defaults to the job file's name without .ini.", SPR_OFF(name), 0, {{0}}},
    {"job", "output", SPR_SETTING_PATH, "out/<name>", NULL, 0, 0, NULL,
     "Folder for every output of the job (index, run, report, checkpoints).", SPR_OFF(output), 0, {{0}}},
    {"corpus", "path", SPR_SETTING_PATH, SPR_SETTING_REQUIRED, NULL, 0, 0, NULL,
     "The documents: JSONL (`{\"id\", \"text\" or \"contents\", optional \"title\"}` per line), "
     "TSV (`id<TAB>text`) or pre-encoded JSON vectors (`{\"id\", \"vector\": {\"token\": weight}}`).",
     SPR_OFF(corpus.path), 0,
     {{SPR_CMD_INDEX, "input", "PATH", 1, NULL, 0, 0},
      {SPR_CMD_ENCODE, "input", "PATH", 1,
       "The texts: JSONL ({\"id\", \"text\" or \"contents\", optional \"title\"}: title + \"\\n\" + text) "
       "or TSV (id<TAB>text, e.g. queries).", 0, 0},
      {SPR_CMD_TOKENIZE, "input", "PATH", 1, "The texts: JSONL ({\"id\", \"text\"...}) or TSV (id<TAB>text).", 0, 0}}},
    {"corpus", "format", SPR_SETTING_ENUM, "auto", NULL, 0, 0, "auto|jsonl|json|tsv|vectors|ciff",
     "Corpus format; auto decides by the name (.tsv, .ciff) and the file's first record (JSON with a "
     "\"vector\" object is vectors); json is jsonl; ciff reads a Common Index File Format export "
     "(docs/ciff.md).",
     SPR_OFF(corpus.format), SPR_IX, {{SPR_CMD_INDEX, "format", "F", 0, NULL, 0, 0}}},
    {NULL, "text_format", SPR_SETTING_ENUM, "auto", NULL, 0, 0, "auto|jsonl|json|tsv",
     "Input format; auto decides by the name (.tsv) and the first record; json is jsonl.", SPR_OFF(cli.text_format), 0,
     {{SPR_CMD_ENCODE | SPR_CMD_TOKENIZE, "format", "F", 0, NULL, 0, 0}}},
    {NULL, "output", SPR_SETTING_PATH, spr_setting_none, NULL, 0, 0, NULL, "", SPR_OFF(cli.output), 0,
     {{SPR_CMD_ENCODE, "output", "PATH", 1,
       "The vectors file (written through per-rank parts and PATH.tmp).", 0, 0},
      {SPR_CMD_TOKENIZE, "output", "PATH", 1, "The output JSONL.", 0, 0}}},
    {"corpus", "queries", SPR_SETTING_PATH, SPR_SETTING_REQUIRED, NULL, 0, 0, NULL,
     "The queries: TSV `qid<TAB>text`, analyzed like the documents (a term weighs how often it "
     "occurs) or, for a SPLADE index, encoded by its model; or JSON vectors "
     "`{\"id\", \"vector\": {\"token\": weight}}`. On a vectors index, TSV queries are pre-tokenized.",
     SPR_OFF(corpus.queries), 0, {{SPR_CMD_SEARCH, "queries", "PATH", 1, NULL, 0, 0}}},
    {"corpus", "query_format", SPR_SETTING_ENUM, "auto", NULL, 0, 0, "auto|tsv|vectors|tokens|pisa",
     "auto: JSON vectors, PISA `qid:tok tok` (no TAB, a colon) or TSV (text; pre-tokenized on a "
     "vectors index); tokens: `qid<TAB>tok tok` with a repeated token weighing its count (Anserini); "
     "pisa: `qid:tok tok` (PISA, BMP) likewise. In every format a query whose weights are not all "
     "integers in [1, 255] (a count above 255 included) is scaled by one factor to a largest "
     "weight of 255, ratios kept, never capped (docs/queries.md).",
     SPR_OFF(corpus.query_format), SPR_SE, {{SPR_CMD_SEARCH, "query-format", "F", 0, NULL, 0, 0}}},
    {"corpus", "qrels", SPR_SETTING_PATH, spr_setting_none, NULL, 0, 0, NULL,
     "Relevance judgments `qid 0 docid grade`; without them evaluation is skipped.",
     SPR_OFF(corpus.qrels), 0,
     {{SPR_CMD_EVAL, "qrels", "QRELS", 1, "Judgments, lines `qid iter docno grade` (relevant: grade >= 1).", 0,
       SPR_OPTION_ONCE}}},
    {"corpus", "on_error", SPR_SETTING_ENUM, "fail", NULL, 0, 0, "fail|skip",
     "Bad records (malformed, invalid UTF-8, NUL byte, too long, repeated id): fail stops at the "
     "first with FILE:LINE: why; skip leaves them out and counts them by reason (docs/input.md).",
     SPR_OFF(corpus.on_error), SPR_IX, {{SPR_CMD_INDEX, "on-error", "P", 0, NULL, 0, 0}}},
    {"corpus", "max_record_bytes", SPR_SETTING_INT, "0", NULL, 0, 2147483647, NULL,
     "Longest accepted record (line) in bytes; 0 = 64 MiB.", SPR_OFF(corpus.max_record_bytes), SPR_IX,
     {{SPR_CMD_INDEX, "max-record-bytes", "N", 0, NULL, 0, 0}}},
    {"encode", "model", SPR_SETTING_STRING, "bm25", "auto", 0, 0, NULL,
     "Encoder: `bm25` (text corpora), `vectors` (pre-encoded vector corpora), or a Hugging Face "
     "BERT or DistilBERT SPLADE model folder (relative to the job file) that every rank runs on its documents.",
     SPR_OFF(encode.model), SPR_IX,
     {{SPR_CMD_INDEX, "encoder", "E", 0,
       "auto (vectors for a vectors corpus, else bm25), bm25, vectors, or a Hugging Face (Distil)BERT SPLADE "
       "model folder (config.json, vocab.txt, model.safetensors): each rank encodes its documents "
       "(docs/encode.md). Vectors whose weights are all integers in [1,255] are kept as impacts; "
       "other weights (SPLADE's) are quantized linearly like BM25 scores.", 0, 0},
      {SPR_CMD_ENCODE, "model", "DIR", 1,
       "Folder with config.json, vocab.txt, model.safetensors (F32, F16 or BF16) and optionally "
       "idf.json.", 0, 0}}},
    {NULL, "weights", SPR_SETTING_STRING, "model.safetensors", NULL, 0, 0, NULL,
     "Weights file inside the model folder.", SPR_OFF(cli.weights), 0,
     {{SPR_CMD_ENCODE, "weights", "NAME", 0, NULL, 0, 0}}},
    {NULL, "vocab", SPR_SETTING_PATH, spr_setting_none, NULL, 0, 0, NULL,
     "vocab.txt (token id = 0-based line number).", SPR_OFF(cli.vocab), 0,
     {{SPR_CMD_TOKENIZE, "vocab", "PATH", 1, NULL, 0, 0}}},
    {"encode", "max_length", SPR_SETTING_INT, "512", NULL, 2, 1 << 20, NULL,
     "SPLADE: tokens per document, [CLS] and [SEP] included (at most the model's "
     "max_position_embeddings).",
     SPR_OFF(encode.max_length), SPR_IX,
     {{SPR_CMD_INDEX | SPR_CMD_ENCODE, "max-length", "N", 0, NULL, 0, 0},
      {SPR_CMD_TOKENIZE, "max-length", "N", 0, "Ids per text, [CLS] and [SEP] included.", 0, 0}}},
    {"encode", "precision", SPR_SETTING_ENUM, "f32", NULL, 0, 0, "f32|int8",
     "SPLADE: arithmetic of the model's linear maps. int8 quantizes their weights per output channel "
     "and their inputs per token at run time (as PyTorch's quantize_dynamic), about 2.5-3x faster on "
     "CPUs with AVX512-VNNI (elsewhere spire says so and uses f32); vectors within a few % of f32's "
     "(docs/encode.md, \"Precision\").",
     SPR_OFF(encode.precision), SPR_IX, {{SPR_CMD_INDEX | SPR_CMD_ENCODE, "precision", "PREC", 0, NULL, 0, 0}}},
    {"encode", "analyzer", SPR_SETTING_ENUM, "english", NULL, 0, 0, "english|standard",
     "Text analysis for bm25: english (stop words + Porter stemming, Lucene's EnglishAnalyzer) or "
     "standard (lowercased words only).",
     SPR_OFF(encode.analyzer), SPR_IX, {{SPR_CMD_INDEX, "analyzer", "A", 0, NULL, 0, 0}}},
    {"encode", "k1", SPR_SETTING_FLOAT, "0.9", NULL, 0, 100, NULL, "BM25 term-frequency saturation.",
     SPR_OFF(encode.k1), SPR_IX, {{SPR_CMD_INDEX, "k1", "X", 0, NULL, 0, 0}}},
    {"encode", "b", SPR_SETTING_FLOAT, "0.4", NULL, 0, 1, NULL, "BM25 length normalization.",
     SPR_OFF(encode.b), SPR_IX, {{SPR_CMD_INDEX, "b", "X", 0, NULL, 0, 0}}},
    {"encode", "bits", SPR_SETTING_INT, "8", NULL, 1, 8, NULL, "Impact quantization bits.",
     SPR_OFF(encode.bits), SPR_IX, {{SPR_CMD_INDEX, "bits", "N", 0, NULL, 0, 0}}},
    {"index", "path", SPR_SETTING_PATH, "<output>/index.h5", NULL, 0, 0, NULL, "The index file.",
     SPR_OFF(index.path), 0,
     {{SPR_CMD_INDEX, "output", "PATH", 1,
       "The index file to write (written as PATH.tmp, renamed when complete).", 0, 0},
      {SPR_CMD_SEARCH, "index", "PATH", 1, "The index file from spire index.", 0, 0}}},
    {"index", "zstd_level", SPR_SETTING_INT, "1", NULL, 0, 22, NULL,
     "zstd compression level of every dataset (0 = uncompressed; 1 compresses spire's data as well "
     "as 3, about twice as fast; chunks are compressed by all threads).",
     SPR_OFF(index.zstd_level), SPR_IX, {{SPR_CMD_INDEX, "zstd-level", "N", 0, NULL, 0, 0}}},
    {"index", "block_size", SPR_SETTING_INT, "4", NULL, 4, 256, NULL,
     "Documents per block of Block-Max Pruning (block maxima and forward blocks). 4, the default, "
     "is the fastest at k = 10 and 1000 on real SPLADE queries for ~1.2x the file size of 32 "
     "(docs/bmp.md, \"What to choose\").",
     SPR_OFF(index.block_size), SPR_IX, {{SPR_CMD_INDEX, "block-size", "N", 0, NULL, 0, 0}}},
    {"index", "reorder", SPR_SETTING_ENUM, "none", NULL, 0, 0, "none|bp",
     "Document order: the input's, or recursive graph bisection (bp) so that similar documents share "
     "blocks; runs report the same documents either way (docs/reorder.md).",
     SPR_OFF(index.reorder), SPR_IX, {{SPR_CMD_INDEX, "reorder", "R", 0, NULL, 0, 0}}},
    {"index", "bp_iterations", SPR_SETTING_INT, "0", NULL, 0, 1000, NULL,
     "bp: swap rounds per bisection (0 = the default, 20).", SPR_OFF(index.bp_iterations), SPR_IX,
     {{SPR_CMD_INDEX, "bp-iterations", "N", 0, NULL, 0, 0}}},
    {"index", "bp_min_docs", SPR_SETTING_INT, "0", NULL, 0, 1 << 30, NULL,
     "bp: parts smaller than this are not bisected further (0 = the block size).",
     SPR_OFF(index.bp_min_docs), SPR_IX, {{SPR_CMD_INDEX, "bp-min-docs", "N", 0, NULL, 0, 0}}},
    {"index", "prune_top_terms", SPR_SETTING_INT, "0", NULL, 0, 1 << 30, NULL,
     "Static pruning: keep each document's N heaviest terms (0 = all; docs/pruning.md).",
     SPR_OFF(index.prune_top_terms), SPR_IX,
     {{SPR_CMD_INDEX, "prune-top-terms", "N", 0, NULL, 0, 0},
      {SPR_CMD_ENCODE, "top-n", "N", 0, "Keep the N heaviest terms per vector (0 = all).", 0, 0}}},
    {"index", "prune_min_weight", SPR_SETTING_FLOAT, "0", NULL, 0, 1e30, NULL,
     "Static pruning: drop postings whose weight (vectors, SPLADE) or BM25 score is below this (0 = "
     "none).",
     SPR_OFF(index.prune_min_weight), SPR_IX,
     {{SPR_CMD_INDEX, "prune-min-weight", "X", 0, NULL, 0, 0},
      {SPR_CMD_ENCODE, "min-weight", "W", 0, "Drop weights below W (0: only zeros are dropped).", 0, 0}}},
    {"index", "prune_list_max", SPR_SETTING_INT, "0", NULL, 0, 1 << 30, NULL,
     "Static pruning: keep each term's M heaviest postings, ties to the lower docid (0 = all).",
     SPR_OFF(index.prune_list_max), SPR_IX, {{SPR_CMD_INDEX, "prune-list-max", "M", 0, NULL, 0, 0}}},
    {"index", "memory_budget_mb", SPR_SETTING_INT, "0", NULL, 0, 1 << 30, NULL,
     "Bounded memory: MiB per rank for what grows with the postings; the build spills sorted runs to "
     "disk and merges them, and writes the same index (0 = hold everything in memory; docs/memory.md).",
     SPR_OFF(index.memory_budget_mb), 0, {{SPR_CMD_INDEX, "memory-budget", "MB", 0, NULL, 0, 0}}},
    {"index", "spill_dir", SPR_SETTING_PATH, spr_setting_none, NULL, 0, 0, NULL,
     "Bounded memory: folder for the temporary files (default: the index's folder).",
     SPR_OFF(index.spill_dir), 0, {{SPR_CMD_INDEX, "spill-dir", "DIR", 0, NULL, 0, 0}}},
    {"search", "k", SPR_SETTING_INT, "1000", NULL, 1, 100000, NULL, "Results per query.",
     SPR_OFF(search.k), SPR_SE, {{SPR_CMD_SEARCH, "k", "K", 0, NULL, 0, 0}}},
    {"search", "algorithm", SPR_SETTING_ENUM, "bmp", NULL, 0, 0, "bmp|exhaustive",
     "Top-k algorithm: Block-Max Pruning (exact when alpha = beta = 1) or exhaustive scoring of "
     "every posting (the oracle).",
     SPR_OFF(search.algorithm), SPR_SE, {{SPR_CMD_SEARCH, "algorithm", "A", 0, NULL, 0, 0}}},
    {"search", "alpha", SPR_SETTING_FLOAT, "1", NULL, 1e-9, 1, NULL,
     "bmp: stop when the k-th score exceeds alpha x the next block's bound; below 1 is faster and "
     "approximate.",
     SPR_OFF(search.alpha), SPR_SE, {{SPR_CMD_SEARCH, "alpha", "A", 0, NULL, 0, 0}}},
    {"search", "beta", SPR_SETTING_FLOAT, "1", NULL, 1e-9, 1, NULL,
     "bmp: block bounds from the ceil(beta x n) heaviest query terms only; blocks are still scored "
     "with every term (true scores). Below 1 is faster and approximate (docs/bmp.md).",
     SPR_OFF(search.beta), SPR_SE, {{SPR_CMD_SEARCH, "beta", "B", 0, NULL, 0, 0}}},
    {"search", "serving", SPR_SETTING_ENUM, "partitioned", NULL, 0, 0, "partitioned|replicated",
     "partitioned: each rank searches its share of the blocks for every query (with bmp the ranks "
     "share their k-th scores while they search); replicated: each rank loads the whole index and "
     "answers a share of the queries.",
     SPR_OFF(search.serving), 0, {{SPR_CMD_SEARCH, "serving", "M", 0, NULL, 0, 0}}},
    {"search", "run", SPR_SETTING_PATH, "<output>/run.trec", NULL, 0, 0, NULL,
     "The TREC run file written by search.", SPR_OFF(search.run), 0,
     {{SPR_CMD_SEARCH, "output", "PATH", 1,
       "The TREC run: qid Q0 docid rank score tag (score = sum of u8 impacts).", 0, 0},
      {SPR_CMD_EVAL, "run", "RUN", 1,
       "A run, lines `qid Q0 docno rank score tag`; repeatable (the first is a report's baseline). "
       "Documents are ranked by score descending, ties by docno in reverse string order; the rank "
       "column is ignored (as trec_eval does).",
       0, SPR_OPTION_EACH}}},
    {"search", "tag", SPR_SETTING_WORD, "spire", NULL, 0, 0, NULL,
     "Run tag (the sixth column of the run file), one word.", SPR_OFF(search.tag), SPR_SE,
     {{SPR_CMD_SEARCH, "tag", "T", 0, NULL, 0, 0}}},
    {"search", "threads", SPR_SETTING_INT, "0", NULL, 0, 4096, NULL,
     "OpenMP threads per rank; 0 = the OpenMP default (OMP_NUM_THREADS).", SPR_OFF(search.threads), 0,
     {{0}}},
    {NULL, "query_model", SPR_SETTING_PATH, spr_setting_none, NULL, 0, 0, NULL,
     "SPLADE index: encode the TSV queries with this model folder instead of the one recorded in "
     "the index (with idf.json: inference-free queries).",
     SPR_OFF(cli.query_model), 0, {{SPR_CMD_SEARCH, "model", "DIR", 0, NULL, 0, 0}}},
    {NULL, "query", SPR_SETTING_BOOL, "false", NULL, 0, 0, NULL,
     "The input holds queries: with idf.json in the model folder they are encoded inference-free "
     "(each distinct token weighted by idf.json, no forward pass).",
     SPR_OFF(cli.query), 0, {{SPR_CMD_ENCODE, "query", NULL, 0, NULL, 0, 0}}},
    {NULL, "batch_tokens", SPR_SETTING_INT, "0", NULL, 0, 1 << 24, NULL,
     "Pack texts up to N tokens per forward pass (0: one text per pass, bit-identical for any "
     "batching; > 0 is faster for short texts).",
     SPR_OFF(cli.batch_tokens), 0, {{SPR_CMD_ENCODE, "batch-tokens", "N", 0, NULL, 0, 0}}},
    {"eval", "metrics", SPR_SETTING_STRING, SPR_DEFAULT_METRICS, SPR_DEFAULT_EVAL_MEASURES, 0, 0, NULL,
     "Comma-separated trec_eval metric names.", SPR_OFF(eval.metrics), 0,
     {{SPR_CMD_EVAL, "metrics", "LIST", 0,
       "Comma-separated measures, e.g. map,ndcg_cut.10,P.10,recall.1000,recip_rank (digits after a "
       "measure add cutoffs: ndcg_cut.10,20,100); repeatable, and adds to -m.",
       0, SPR_OPTION_EACH},
      {SPR_CMD_EVAL, NULL, "MEASURE", 0,
       "One measure in trec_eval's syntax (repeatable): map, recip_rank, P[.k,...], recall[.k,...], "
       "ndcg_cut[.k,...], num_q, num_ret, num_rel, num_rel_ret; without cutoffs P/recall/ndcg_cut use "
       "trec_eval's defaults 5,10,15,20,30,100,200,500,1000. Friendly names (any case): MAP, RR, RR@k "
       "or MRR@k (reciprocal rank within the top k, printed recip_rank_k, equal to trec_eval -M k -m "
       "recip_rank), nDCG@k, P@k, R@k (recall).",
       'm', SPR_OPTION_EACH}}},
    {"eval", "report", SPR_SETTING_PATH, "<output>/report.md", NULL, 0, 0, NULL,
     "The Markdown evaluation report; report.json is written beside it.", SPR_OFF(eval.report), 0,
     {{0}}},
    /* spire eval's other options: trec_eval's, then the comparison report's (docs/reports.md) */
    {NULL, "per_query", SPR_SETTING_BOOL, "false", NULL, 0, 0, NULL,
     "Also print every query's values (before the averages, qid all).", SPR_OFF(cli.per_query), 0,
     {{SPR_CMD_EVAL, "query-eval", NULL, 0, NULL, 'q', 0}}},
    {NULL, "complete", SPR_SETTING_BOOL, "false", NULL, 0, 0, NULL,
     "Average over every query of the qrels (missing ones score 0) instead of the queries present in "
     "both files.",
     SPR_OFF(cli.complete), 0, {{SPR_CMD_EVAL, "complete", NULL, 0, NULL, 'c', 0}}},
    {NULL, "max_per_query", SPR_SETTING_INT64, spr_setting_none, NULL, 1, 9223372036854775807.0, NULL,
     "Use only the first N ranked documents of each query.", SPR_OFF(cli.max_per_query), 0,
     {{SPR_CMD_EVAL, NULL, "N", 0, NULL, 'M', 0}}},
    {NULL, "json", SPR_SETTING_PATH, spr_setting_none, NULL, 0, 0, NULL,
     "Also write {\"qrels\", \"runs\": [{\"run\", \"all\": {measure: value}, \"per_query\": {qid: "
     "{measure: value}}}]} with full double precision (written to a temporary name, then renamed).",
     SPR_OFF(cli.json), 0, {{SPR_CMD_EVAL, "json", "OUT.json", 0, NULL, 0, 0}}},
    {NULL, "report_dir", SPR_SETTING_PATH, spr_setting_none, NULL, 0, 0, NULL,
     "Comparison report (docs/reports.md; the first --run is the baseline): write DIR/report.md, "
     "DIR/report.json and DIR/report.html: the runs side by side, best value per measure marked, "
     "paired two-sided t-test p-values against the baseline with Holm-Bonferroni correction, "
     "per-query differences, latency; HTML plots by gnuplot (inline SVG) when it is on PATH, else "
     "text charts.",
     SPR_OFF(cli.report_dir), 0, {{SPR_CMD_EVAL, "report", "DIR", 0, NULL, 0, 0}}},
    {NULL, "markdown", SPR_SETTING_PATH, spr_setting_none, NULL, 0, 0, NULL,
     "Write the report's Markdown file here (with or without --report).", SPR_OFF(cli.markdown), 0,
     {{SPR_CMD_EVAL, "markdown", "F.md", 0, NULL, 0, 0}}},
    {NULL, "report_json", SPR_SETTING_PATH, spr_setting_none, NULL, 0, 0, NULL,
     "Write the report's JSON file here (with or without --report).", SPR_OFF(cli.report_json), 0,
     {{SPR_CMD_EVAL, "report-json", "F.json", 0, NULL, 0, 0}}},
    {NULL, "html", SPR_SETTING_PATH, spr_setting_none, NULL, 0, 0, NULL,
     "Write the report's HTML file here (with or without --report).", SPR_OFF(cli.html), 0,
     {{SPR_CMD_EVAL, "html", "F.html", 0, NULL, 0, 0}}},
    {NULL, "label", SPR_SETTING_STRING, spr_setting_none, NULL, 0, 0, NULL,
     "Short name of the preceding --run in the report (default: its file name).", SPR_OFF(cli.label), 0,
     {{SPR_CMD_EVAL, "label", "NAME", 0, NULL, 0, SPR_OPTION_EACH}}},
    {NULL, "latency", SPR_SETTING_PATH, spr_setting_none, NULL, 0, 0, NULL,
     "Latencies of the preceding --run: lines `QID MS` or `MS`, or a spire run report.json (its "
     "mean/p50/p99).",
     SPR_OFF(cli.latency), 0, {{SPR_CMD_EVAL, "latency", "FILE", 0, NULL, 0, SPR_OPTION_EACH}}},
    {NULL, "plot_metric", SPR_SETTING_STRING, spr_setting_none, NULL, 0, 0, NULL,
     "Measure of the report's per-query plot (default nDCG@10 when computed).", SPR_OFF(cli.plot_metric), 0,
     {{SPR_CMD_EVAL, "plot-metric", "M", 0, NULL, 0, 0}}},
    {NULL, "sig_alpha", SPR_SETTING_FLOAT, "0.05", NULL, 0, 1, NULL, "The report's significance level.",
     SPR_OFF(cli.sig_alpha), SPR_SETTING_OPEN_RANGE, {{SPR_CMD_EVAL, "alpha", "A", 0, NULL, 0, 0}}},
    {NULL, "holm_family", SPR_SETTING_ENUM, "metric", NULL, 0, 0, "metric|all",
     "metric: Holm-Bonferroni over the runs compared on each measure; all: over every (measure, run) "
     "comparison.",
     SPR_OFF(cli.holm_family), 0, {{SPR_CMD_EVAL, "holm-family", "F", 0, NULL, 0, 0}}},
    {NULL, "text_plots", SPR_SETTING_BOOL, "false", NULL, 0, 0, NULL,
     "Text charts even when gnuplot is installed.", SPR_OFF(cli.text_plots), 0,
     {{SPR_CMD_EVAL, "text-plots", NULL, 0, NULL, 0, 0}}},
    {NULL, "title", SPR_SETTING_STRING, "spire evaluation report", NULL, 0, 0, NULL, "The report's heading.",
     SPR_OFF(cli.title), 0, {{SPR_CMD_EVAL, "title", "TEXT", 0, NULL, 0, 0}}},
    {NULL, "quiet", SPR_SETTING_BOOL, "false", NULL, 0, 0, NULL, "No progress lines.",
     SPR_OFF(cli.quiet), 0, {{SPR_CMD_INDEX | SPR_CMD_SEARCH | SPR_CMD_ENCODE, "quiet", NULL, 0, NULL, 0, 0}}},
};

_Static_assert(sizeof spr_setting_table / sizeof spr_setting_table[0] <= SPR_SETTINGS_MAX,
               "raise SPR_SETTINGS_MAX");

const spr_setting *spr_settings(size_t *n) {
  *n = sizeof spr_setting_table / sizeof spr_setting_table[0];
  return spr_setting_table;
}

void spr_setting_range_text(const spr_setting *s, char *buf, size_t cap) {
  buf[0] = '\0';
  if (s->type == SPR_SETTING_INT) snprintf(buf, cap, "%.0f..%.0f", s->min, s->max);
  if (s->type == SPR_SETTING_INT64) /* the double max of LLONG_MAX rounds up to 2^63 */
    snprintf(buf, cap, "%.0f..%lld", s->min, s->max >= 0x1p63 ? LLONG_MAX : (long long)s->max);
  if (s->type == SPR_SETTING_FLOAT && (s->flags & SPR_SETTING_OPEN_RANGE)) snprintf(buf, cap, "(%g, %g)", s->min, s->max);
  else if (s->type == SPR_SETTING_FLOAT) snprintf(buf, cap, "%g..%g", s->min, s->max);
  if (s->type == SPR_SETTING_ENUM) snprintf(buf, cap, "%s", s->choices);
}

int spr_setting_number(const spr_setting *s, const char *v, long long *iv, double *dv) {
  char *end = NULL;
  errno = 0;
  const int open = (s->flags & SPR_SETTING_OPEN_RANGE) != 0;
  if (s->type == SPR_SETTING_INT || s->type == SPR_SETTING_INT64) {
    *iv = strtoll(v, &end, 10);
    if (!v[0] || *end || errno) return SPR_SETTING_NOT_A_NUMBER;
    return (double)*iv < s->min || (double)*iv > s->max ? SPR_SETTING_OUT_OF_RANGE : 0;
  }
  *dv = strtod(v, &end);
  if (!v[0] || *end || errno || !isfinite(*dv)) return SPR_SETTING_NOT_A_NUMBER;
  if (open) return *dv <= s->min || *dv >= s->max ? SPR_SETTING_OUT_OF_RANGE : 0;
  return *dv < s->min || *dv > s->max ? SPR_SETTING_OUT_OF_RANGE : 0;
}

int spr_setting_choice_ok(const spr_setting *s, const char *v) {
  const size_t n = strlen(v);
  for (const char *p = s->choices; p && *p;) {
    const char *e = strchr(p, '|');
    const size_t m = e ? (size_t)(e - p) : strlen(p);
    if (m == n && !memcmp(p, v, n)) return 1;
    if (!e) break;
    p = e + 1;
  }
  return 0;
}

void spr_settings_manifest(const spr_job *job, unsigned stage, char *buf, size_t cap) {
  size_t used = strlen(buf);
  size_t n = 0;
  const spr_setting *t = spr_settings(&n);
  for (size_t i = 0; i < n && used < cap; i++) {
    if (!(t[i].flags & stage)) continue;
    const void *field = (const char *)job + t[i].offset;
    int w = 0;
    switch (t[i].type) {
      case SPR_SETTING_INT:
      case SPR_SETTING_BOOL:
        w = snprintf(buf + used, cap - used, "%s=%d\n", t[i].name, *(const int *)field);
        break;
      case SPR_SETTING_FLOAT:
        w = snprintf(buf + used, cap - used, "%s=%.17g\n", t[i].name, *(const double *)field);
        break;
      case SPR_SETTING_INT64:
        w = snprintf(buf + used, cap - used, "%s=%lld\n", t[i].name, *(const long long *)field);
        break;
      default: {
        const char *v = *(char *const *)field;
        w = snprintf(buf + used, cap - used, "%s=%s\n", t[i].name, v ? v : "");
      }
    }
    used += w > 0 ? (size_t)w : 0;
  }
}

void spr_settings_free_fields(spr_job *job) {
  size_t n = 0;
  const spr_setting *t = spr_settings(&n);
  for (size_t i = 0; i < n; i++) {
    const spr_setting_type ty = t[i].type;
    if (ty == SPR_SETTING_STRING || ty == SPR_SETTING_PATH || ty == SPR_SETTING_ENUM ||
        ty == SPR_SETTING_WORD) {
      char **field = (char **)(void *)((char *)job + t[i].offset);
      free(*field);
      *field = NULL;
    }
  }
}
