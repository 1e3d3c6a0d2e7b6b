/* analyzer_fuzz.c: fuzz target for the text analyzers (kernels/spr_analyzer.h) on arbitrary bytes.
 * Input: byte 0 % 3 picks "english", "standard" or "english-libstemmer"; then the text.
 * Properties: no crash or over-read; the return value is the number of terms appended; every term
 * is non-empty, NUL-terminated inside the buffer, at most 4 x 255 bytes, and not split from its
 * neighbour (offsets ascending); appending to a non-empty spr_tokens gives the same terms after
 * the old ones; a second run gives the same terms (no state leaks from one text to the next).
 * Built as a libFuzzer target with -DSPR_BUILD_FUZZERS=ON (clang), and linked into analyzer_replay
 * (fuzz_replay.c), which runs the committed corpus/analyzer under CTest. */
#include "fuzz_common.h"
#include "spr_analyzer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static spr_analyzer *an[3];
  static const char *const names[3] = {"english", "standard", "english-libstemmer"};
  if (size < 1) return 0;
  const int which = data[0] % 3;
  if (!an[which]) FUZZ_CHECK(spr_analyzer_create(names[which], &an[which]) == 0);
  const size_t len = size - 1;
  char *text = malloc(len ? len : 1); /* exact size: ASan sees any over-read */
  FUZZ_CHECK(text != NULL);
  if (len) memcpy(text, data + 1, len);
  spr_tokens t = {0}, u = {0};
  const int64_t n = spr_analyzer_run(an[which], text, len, &t);
  FUZZ_CHECK(n >= 0 && (size_t)n == t.n);
  for (size_t i = 0; i < t.n; i++) {
    FUZZ_CHECK(t.off[i] < t.len);
    if (i) FUZZ_CHECK(t.off[i] > t.off[i - 1]);
    const char *term = spr_tokens_get(&t, i);
    const size_t l = strnlen(term, t.len - t.off[i]);
    FUZZ_CHECK(l > 0 && l < t.len - t.off[i] + 1 && l <= 4 * SPR_ANALYZER_MAX_TOKEN);
    FUZZ_CHECK(t.off[i] + l < t.len); /* the NUL is inside the buffer */
    if (i + 1 < t.n) FUZZ_CHECK(t.off[i + 1] == t.off[i] + l + 1);
  }
  /* Append after a sentinel term, then the same again: identical terms. */
  FUZZ_CHECK(spr_analyzer_run(an[which], "sentinel", 8, &u) == 1);
  const int64_t n2 = spr_analyzer_run(an[which], text, len, &u);
  FUZZ_CHECK(n2 == n && u.n == t.n + 1);
  for (size_t i = 0; i < t.n; i++)
    FUZZ_CHECK(!strcmp(spr_tokens_get(&t, i), spr_tokens_get(&u, i + 1)));
  spr_tokens_free(&u);
  spr_tokens_free(&t);
  free(text);
  return 0;
}

int fuzz_make_seeds(const char *dir) {
  static const fuzz_mode_seed seeds[] = {
      {"english", 0, "The boundary layers of John's wings were fluttering at 3.5 Mach, e.g. U.S.A."},
      {"standard", 1, "Heat-transfer in LAMINAR flows: 1,000.5 km/h; foo@bar.com http://x.y/z"},
      {"libstemmer", 2, "generously relational hopefulness biology probably"},
      {"cjk-thai-emoji", 0, "\xE4\xB8\xAD\xE6\x96\x87\xE3\x81\xB2\xE3\x82\x89 \xE0\xB8\xAA\xE0\xB8\xA7\xE0\xB8\xB1"
                            " \xF0\x9F\x98\x80\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD \xE2\x80\x99s dog\xEF\xBC\x87S"},
      {"invalid-utf8", 1, "ab\xC3\x28 \xE2\x82 \xF0\x90\x28\xBC \xFF\xFE cd\xED\xA0\x80" "ef"},
      {"long-token", 0, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"},
      {"stopwords", 0, "a an and are as at be but by for if in into is it no not of on or such"},
      {"empty", 2, ""},
  };
  return fuzz_seed_modes(dir, seeds, sizeof seeds / sizeof seeds[0]);
}
