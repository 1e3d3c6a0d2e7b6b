/* spr_progress.c */
#include "spr_progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

double spr_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void spr_progress_start(spr_progress *p, const char *label, const char *unit, uint64_t total, int enabled) {
  p->label = label;
  p->unit = unit;
  p->total = total;
  p->start = p->last = spr_now();
  p->tty = isatty(2);
  const char *iv = getenv("SPR_PROGRESS_INTERVAL");
  p->interval = iv ? atof(iv) : (p->tty ? 0.5 : 10.0);
  p->enabled = enabled && !getenv("SPR_QUIET");
}

static void spr_progress_print(spr_progress *p, uint64_t done, int final) {
  const double t = spr_now() - p->start;
  const double rate = t > 0 ? (double)done / t : 0;
  char eta[32] = "";
  if (p->total && !final && rate > 0 && done < p->total)
    snprintf(eta, sizeof eta, ", ETA %.0fs", (double)(p->total - done) / rate);
  if (p->total)
    fprintf(stderr, "%s[spire] %s: %llu/%llu %s (%.1f%%), %.0f %s/s, %.1fs%s%s", p->tty ? "\r" : "",
            p->label, (unsigned long long)done, (unsigned long long)p->total, p->unit,
            100.0 * (double)done / (double)p->total, rate, p->unit, t, eta,
            (p->tty && !final) ? "" : "\n");
  else
    fprintf(stderr, "%s[spire] %s: %llu %s, %.0f %s/s, %.1fs%s", p->tty ? "\r" : "", p->label,
            (unsigned long long)done, p->unit, rate, p->unit, t, (p->tty && !final) ? "" : "\n");
  fflush(stderr);
}

void spr_progress_update(spr_progress *p, uint64_t done) {
  if (!p->enabled) return;
  const double now = spr_now();
  if (now - p->last < p->interval) return;
  p->last = now;
  spr_progress_print(p, done, 0);
}

void spr_progress_finish(spr_progress *p, uint64_t done) {
  if (!p->enabled) return;
  spr_progress_print(p, done, 1);
}
