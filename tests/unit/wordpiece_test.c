/* wordpiece_test.c: the BertTokenizer port against ../shared/golden/splade-tiny/tokens.jsonl (every
 * text, max_length 512 and 32, and the untruncated length), plus hand cases on a tiny vocabulary
 * that run without the shared folder. Exits 77 when the golden folder is absent (after the hand
 * cases passed). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spr_wordpiece.h"

#define SPR_CHECK_GO_ON
#include "spr_check.h"


static void hand_cases(void) {
  const char *vocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n,\nworld\n!\nun\n##aff\n##able\nσοφος\n.\nσ\n##ασ\n";
  spr_wordpiece *wp = NULL;
  spr_wordpiece_scratch *s = NULL;
  CHECKF(spr_wordpiece_create(vocab, strlen(vocab), &wp) == 0, "create");
  CHECKF(spr_wordpiece_scratch_create(&s) == 0, "scratch");
  if (!wp || !s) return;
  int32_t ids[16];
  uint64_t full = 0;
  int64_t n = spr_wordpiece_encode(wp, s, "Hello, WORLD!", 13, 16, ids, &full);
  CHECKF(n == 6 && ids[0] == 2 && ids[1] == 5 && ids[2] == 6 && ids[3] == 7 && ids[4] == 8 && ids[5] == 3,
        "hello world: n=%lld", (long long)n);
  n = spr_wordpiece_encode(wp, s, "unaffable unaffx", 16, 16, ids, &full);
  CHECKF(n == 6 && ids[1] == 9 && ids[2] == 10 && ids[3] == 11 && ids[4] == 1, "unaffable: n=%lld", (long long)n);
  n = spr_wordpiece_encode(wp, s, "[MASK]hello[SEP]", 16, 16, ids, NULL);
  CHECKF(n == 5 && ids[1] == 4 && ids[2] == 5 && ids[3] == 3 && ids[4] == 3, "specials: n=%lld", (long long)n);
  /* final sigma: "ΣΟΦΟΣ." -> σοφος . */
  n = spr_wordpiece_encode(wp, s, "\xCE\xA3\xCE\x9F\xCE\xA6\xCE\x9F\xCE\xA3.", 11, 16, ids, NULL);
  CHECKF(n == 4 && ids[1] == 12 && ids[2] == 13, "final sigma: n=%lld id1=%d", (long long)n, ids[1]);
  n = spr_wordpiece_encode(wp, s, "hello hello hello", 17, 3, ids, &full);
  CHECKF(n == 3 && full == 5 && ids[1] == 5 && ids[2] == 3, "truncation: n=%lld full=%llu", (long long)n,
        (unsigned long long)full);
  n = spr_wordpiece_encode(wp, s, " \t\n", 3, 8, ids, NULL);
  CHECKF(n == 2 && ids[0] == 2 && ids[1] == 3, "blank: n=%lld", (long long)n);
  CHECKF(spr_wordpiece_encode(wp, s, "x", 1, 1, ids, NULL) == SPR_EINVAL, "max_length 1");
  spr_wordpiece_scratch_free(&s);
  spr_wordpiece_free(&wp);
  spr_wordpiece *bad = NULL;
  CHECKF(spr_wordpiece_create("a\nb\n", 4, &bad) == SPR_EPARSE && !bad, "vocab without specials");
}

static int compare_ids(const char *id, const char *what, const int32_t *ids, int64_t n, const cJSON *ref) {
  const int m = cJSON_GetArraySize(ref);
  int ok = n == m;
  for (int i = 0; ok && i < m; i++) ok = ids[i] == cJSON_GetArrayItem(ref, i)->valueint;
  CHECKF(ok, "%s %s: %lld ids, expected %d", id, what, (long long)n, m);
  if (!ok) {
    fprintf(stderr, "  got:");
    for (int64_t i = 0; i < n && i < 40; i++) fprintf(stderr, " %d", ids[i]);
    fprintf(stderr, "\n  ref:");
    for (int i = 0; i < m && i < 40; i++) fprintf(stderr, " %d", cJSON_GetArrayItem(ref, i)->valueint);
    fprintf(stderr, "\n");
  }
  return ok;
}

int main(void) {
  hand_cases();
  char dir[4096];
  spr_test_golden_dir(dir, sizeof dir);
  char path[4200];
  snprintf(path, sizeof path, "%s/vocab.txt", dir);
  size_t vlen = 0;
  char *vocab = spr_test_slurp(path, &vlen);
  if (!vocab) {
    fprintf(stderr, "%s absent: golden part skipped (%d hand failures)\n", path, failures);
    return failures ? 1 : 77;
  }
  spr_wordpiece *wp = NULL;
  spr_wordpiece_scratch *s = NULL;
  if (spr_wordpiece_create(vocab, vlen, &wp) || spr_wordpiece_scratch_create(&s)) {
    fprintf(stderr, "create: %s\n", spr_last_error());
    return 1;
  }
  CHECKF(spr_wordpiece_size(wp) == 30522 && spr_wordpiece_cls(wp) == 101 && spr_wordpiece_sep(wp) == 102,
        "vocab size %u", spr_wordpiece_size(wp));
  snprintf(path, sizeof path, "%s/texts.jsonl", dir);
  char *texts = spr_test_slurp(path, NULL);
  snprintf(path, sizeof path, "%s/tokens.jsonl", dir);
  char *tokens = spr_test_slurp(path, NULL);
  if (!texts || !tokens) return 1;
  int checked = 0;
  char *tl = texts, *kl = tokens;
  int32_t *ids = malloc(512 * sizeof *ids);
  while (tl && *tl && kl && *kl) {
    char *tn = strchr(tl, '\n'), *kn = strchr(kl, '\n');
    if (tn) *tn = '\0';
    if (kn) *kn = '\0';
    cJSON *t = cJSON_Parse(tl), *k = cJSON_Parse(kl);
    const char *id = cJSON_GetObjectItem(t, "id")->valuestring;
    CHECKF(!strcmp(id, cJSON_GetObjectItem(k, "id")->valuestring), "line order %s", id);
    size_t len = 0;
    char *text = spr_test_unhex(cJSON_GetObjectItem(t, "utf8_hex")->valuestring, &len);
    uint64_t full = 0;
    int64_t n = spr_wordpiece_encode(wp, s, text, len, 512, ids, &full);
    compare_ids(id, "512", ids, n, cJSON_GetObjectItem(k, "input_ids_512"));
    CHECKF(full == (uint64_t)cJSON_GetObjectItem(k, "n_tokens_untruncated")->valueint, "%s untruncated %llu", id,
          (unsigned long long)full);
    n = spr_wordpiece_encode(wp, s, text, len, 512, ids, NULL); /* early-stop path */
    compare_ids(id, "512 (early stop)", ids, n, cJSON_GetObjectItem(k, "input_ids_512"));
    n = spr_wordpiece_encode(wp, s, text, len, 32, ids, NULL);
    compare_ids(id, "32", ids, n, cJSON_GetObjectItem(k, "input_ids_32"));
    checked++;
    free(text);
    cJSON_Delete(t);
    cJSON_Delete(k);
    tl = tn ? tn + 1 : NULL;
    kl = kn ? kn + 1 : NULL;
  }
  CHECKF(checked == 42, "checked %d texts", checked);
  printf("wordpiece: %d golden texts checked, %d failures\n", checked, failures);
  free(ids);
  free(texts);
  free(tokens);
  free(vocab);
  spr_wordpiece_scratch_free(&s);
  spr_wordpiece_free(&wp);
  return failures ? 1 : 0;
}
