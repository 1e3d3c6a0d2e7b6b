/* cmd_index.c: spire index — build an index file from a corpus (collective). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "spr_args.h"
#include "spr_cli.h"
#include "spr_index.h"

static void spr_index_help(void) {
  printf(
      "usage: [mpirun -np N] spire index --input CORPUS --output INDEX.h5 [options]\n\n"
      "Build a BM25 impact index (one parallel HDF5 file) from a JSONL or TSV corpus. Every rank reads\n"
      "its own byte range of the corpus with all its OpenMP threads (OMP_NUM_THREADS; default: the\n"
      "node's cores / its ranks); the file is identical whatever the number of ranks and threads.\n\n"
      "  --input PATH        corpus: JSONL ({\"id\", \"text\" or \"contents\", optional \"title\"}), TSV (id<TAB>text),\n"
      "                      or pre-encoded JSON vectors ({\"id\", \"vector\": {\"token\": weight, ...}})\n"
      "  --output PATH       index file to write (written as PATH.tmp, renamed when complete)\n"
      "  --format F          auto (default: .tsv is TSV; .ciff is CIFF; JSON with a \"vector\" is vectors),\n"
      "                      jsonl, tsv, vectors, ciff (a Common Index File Format export, docs/ciff.md)\n"
      "  --encoder E         auto (default: vectors for a vectors corpus, else bm25), bm25, vectors,\n"
      "                      or a Hugging Face BERT/SPLADE model folder (config.json, vocab.txt,\n"
      "                      model.safetensors): each rank encodes its documents (docs/encode.md).\n"
      "                      Vectors whose weights are all integers in [1,255] are kept as impacts;\n"
      "                      other weights (SPLADE's) are quantized linearly like BM25 scores\n"
      "  --max-length N      SPLADE: tokens per document, [CLS] and [SEP] included (default 512)\n"
      "  --on-error P        fail (default): the first bad record stops the build with FILE:LINE: why;\n"
      "                      skip: bad records (malformed, invalid UTF-8, NUL byte, too long, a\n"
      "                      repeated document id) are counted by reason and left out (docs/input.md)\n"
      "  --max-record-bytes N  longest accepted record line (default 64 MiB)\n"
      "  --analyzer A        english (default: Lucene EnglishAnalyzer equivalent) or standard\n"
      "  --k1 X              BM25 k1 (default 0.9)\n"
      "  --b X               BM25 b (default 0.4)\n"
      "  --bits N            impact quantization bits, 1..8 (default 8)\n"
      "  --zstd-level N      compression level of the datasets, 0 = none (default 1: as small as 3 on\n"
      "                      spire's data and about twice as fast; chunks are compressed by all threads)\n"
      "  --block-size N      documents per block for Block-Max Pruning, 4..256 (default 4: the fastest at\n"
      "                      k = 10 and 1000 on real SPLADE queries, ~1.2x the bytes of 32: docs/bmp.md)\n"
      "  --reorder R         none (default: input order) or bp: recursive graph bisection, so that similar\n"
      "                      documents share blocks; runs report the same documents (docs/reorder.md)\n"
      "  --bp-iterations N   bp: swap rounds per bisection (default 20)\n"
      "  --bp-min-docs N     bp: parts smaller than N are not bisected (default: the block size)\n"
      "  --prune-top-terms N   static pruning: keep each document's N heaviest terms (docs/pruning.md)\n"
      "  --prune-min-weight X  static pruning: drop postings whose weight or BM25 score is below X\n"
      "  --prune-list-max M    static pruning: keep each term's M heaviest postings (ties: lower docid)\n"
      "  --memory-budget MB  bounded memory: MiB per rank for what grows with the postings; the build\n"
      "                      spills sorted runs to disk and merges them, same index (docs/memory.md)\n"
      "  --spill-dir DIR     bounded memory: folder for the temporary files (default: the output's)\n"
      "  --quiet             no progress lines\n"
      "  -h, --help          this help\n");
}

int spr_cmd_index(const spr_comm *world, int argc, char **argv) {
  if (spr_cli_has_help(argc, argv)) {
    if (world->rank == 0) spr_index_help();
    return SPR_EXIT_OK;
  }
  static const struct option opts[] = {
      {"input", required_argument, 0, 'i'},   {"output", required_argument, 0, 'o'},
      {"format", required_argument, 0, 'f'},  {"encoder", required_argument, 0, 'e'},
      {"analyzer", required_argument, 0, 'a'}, {"k1", required_argument, 0, 'K'},
      {"b", required_argument, 0, 'B'},       {"bits", required_argument, 0, 'q'},
      {"zstd-level", required_argument, 0, 'z'}, {"block-size", required_argument, 0, 's'},
      {"reorder", required_argument, 0, 'r'}, {"quiet", no_argument, 0, 'Q'},
      {"max-length", required_argument, 0, 'L'}, {"on-error", required_argument, 0, 'E'},
      {"max-record-bytes", required_argument, 0, 'R'},
      {"bp-iterations", required_argument, 0, 'I'}, {"bp-min-docs", required_argument, 0, 'M'},
      {"prune-top-terms", required_argument, 0, 'T'}, {"prune-min-weight", required_argument, 0, 'W'},
      {"prune-list-max", required_argument, 0, 'X'},
      {"memory-budget", required_argument, 0, 'm'}, {"spill-dir", required_argument, 0, 'D'},
      {0, 0, 0, 0}};
  spr_build_params p = {.format = SPR_CORPUS_AUTO, .encoder = "auto", .analyzer = "english", .k1 = 0.9, .b = 0.4, .bits = 8,
                        .zstd_level = 1, .block_size = 4, .progress = 1};
  const char *reorder = "none";
  long lv = 0;
  optind = 1;
  opterr = 0;
  int ch;
  while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (ch) {
      case 'i': p.corpus = optarg; break;
      case 'o': p.output = optarg; break;
      case 'f':
        if (spr_corpus_format_parse(optarg, &p.format) < 0)
          return spr_cli_usage_error(world, "index", "--format must be auto, jsonl, tsv, vectors or ciff, not '%s'", optarg);
        break;
      case 'e': p.encoder = optarg; break;
      case 'a': p.analyzer = optarg; break;
      case 'K':
        if (spr_arg_double(optarg, 0, 100, &p.k1))
          return spr_cli_usage_error(world, "index", "--k1 must be a number in [0, 100]");
        break;
      case 'B':
        if (spr_arg_double(optarg, 0, 1, &p.b))
          return spr_cli_usage_error(world, "index", "--b must be a number in [0, 1]");
        break;
      case 'q':
        if (spr_arg_long(optarg, 1, 8, &lv)) return spr_cli_usage_error(world, "index", "--bits must be 1..8");
        p.bits = (int)lv;
        break;
      case 'z':
        if (spr_arg_long(optarg, 0, 22, &lv)) return spr_cli_usage_error(world, "index", "--zstd-level must be 0..22");
        p.zstd_level = (int)lv;
        break;
      case 's':
        if (spr_arg_long(optarg, 4, 256, &lv)) return spr_cli_usage_error(world, "index", "--block-size must be 4..256");
        p.block_size = (int)lv;
        break;
      case 'r': reorder = optarg; break;
      case 'E':
        if (!strcmp(optarg, "skip")) p.policy.skip = 1;
        else if (!strcmp(optarg, "fail")) p.policy.skip = 0;
        else return spr_cli_usage_error(world, "index", "--on-error must be fail or skip");
        break;
      case 'R':
        if (spr_arg_long(optarg, 1, (long)(1l << 40), &lv))
          return spr_cli_usage_error(world, "index", "--max-record-bytes must be a positive number");
        p.policy.max_record_bytes = (uint64_t)lv;
        break;
      case 'L':
        if (spr_arg_long(optarg, 3, 100000, &lv)) return spr_cli_usage_error(world, "index", "--max-length must be >= 3");
        p.max_length = (int)lv;
        break;
      case 'I':
        if (spr_arg_long(optarg, 0, 1000, &lv)) return spr_cli_usage_error(world, "index", "--bp-iterations must be 0..1000");
        p.bp_iterations = (int)lv;
        break;
      case 'M':
        if (spr_arg_long(optarg, 0, 1l << 30, &lv)) return spr_cli_usage_error(world, "index", "--bp-min-docs must be >= 0");
        p.bp_min_docs = (uint32_t)lv;
        break;
      case 'T':
        if (spr_arg_long(optarg, 0, 1l << 30, &lv)) return spr_cli_usage_error(world, "index", "--prune-top-terms must be >= 0");
        p.prune_top_terms = (uint32_t)lv;
        break;
      case 'W':
        if (spr_arg_double(optarg, 0, 1e30, &p.prune_min_weight))
          return spr_cli_usage_error(world, "index", "--prune-min-weight must be a number >= 0");
        break;
      case 'X':
        if (spr_arg_long(optarg, 0, 1l << 30, &lv)) return spr_cli_usage_error(world, "index", "--prune-list-max must be >= 0");
        p.prune_list_max = (uint32_t)lv;
        break;
      case 'm':
        if (spr_arg_long(optarg, 0, 1l << 30, &lv))
          return spr_cli_usage_error(world, "index", "--memory-budget must be MiB >= 0 (0 = unbounded)");
        p.memory_budget = (uint64_t)lv << 20;
        break;
      case 'D': p.spill_dir = optarg; break;
      case 'Q': p.progress = 0; break;
      default:
        return spr_cli_usage_error(world, "index", "unknown or incomplete option '%s'", argv[optind - 1]);
    }
  }
  if (optind < argc) return spr_cli_usage_error(world, "index", "unexpected argument '%s'", argv[optind]);
  if (!p.corpus || !p.output) return spr_cli_usage_error(world, "index", "--input and --output are required");
  if (strcmp(reorder, "none") && strcmp(reorder, "bp"))
    return spr_cli_usage_error(world, "index", "--reorder must be none or bp, not '%s'", reorder);
  p.reorder = reorder;
  if (strcmp(p.analyzer, "english") && strcmp(p.analyzer, "standard"))
    return spr_cli_usage_error(world, "index", "--analyzer must be english or standard");
  spr_build_stats st;
  const int rc = spr_index_build(world, &p, &st);
  const int status = spr_cli_finish(world, "index", rc);
  if (status == SPR_EXIT_OK && world->rank == 0)
    fprintf(stderr,
            "[spire] index: %s: %llu documents, %llu terms, %llu postings, %.1f MB, %.2fs on %d rank(s) "
            "(%.0f docs/s)\n",
            p.output, (unsigned long long)st.n_docs, (unsigned long long)st.n_terms,
            (unsigned long long)st.n_postings, (double)st.file_bytes / 1e6, st.seconds, world->size,
            st.seconds > 0 ? (double)st.n_docs / st.seconds : 0.0);
  if (status == SPR_EXIT_OK && world->rank == 0) {
    uint64_t total = 0;
    for (int r = 0; r < SPR_SKIP_NREASONS; r++) total += st.skipped[r];
    if (total) {
      fprintf(stderr, "[spire] index: skipped %llu record(s):", (unsigned long long)total);
      for (int r = 0; r < SPR_SKIP_NREASONS; r++)
        if (st.skipped[r]) fprintf(stderr, " %s %llu", spr_skip_reason_name(r), (unsigned long long)st.skipped[r]);
      fprintf(stderr, "\n");
    }
  }
  if (status == SPR_EXIT_OK && world->rank == 0 && (st.pruned_doc || st.pruned_list))
    fprintf(stderr, "[spire] index: static pruning removed %llu posting(s): %llu by document rules, %llu by the list cap\n",
            (unsigned long long)(st.pruned_doc + st.pruned_list), (unsigned long long)st.pruned_doc,
            (unsigned long long)st.pruned_list);
  if (status == SPR_EXIT_OK && world->rank == 0 && p.progress)
    fprintf(stderr,
            "[spire] index: phases: read+encode %.2fs, dictionary %.2fs, route+blocks %.2fs (of which "
            "reordering %.2fs), write %.2fs (of which HDF5 %.2fs: %.1f MB/s), checksums %.2fs; peak memory "
            "%.0f MiB (largest rank)\n",
            st.t_read, st.t_dict, st.t_route, st.t_reorder, st.t_write, st.t_io,
            st.t_io > 0 ? (double)st.file_bytes / 1e6 / st.t_io : 0.0, st.t_checksum, st.peak_rss_mib);
  return status;
}
