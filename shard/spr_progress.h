/* spr_progress.h: progress lines with rate and ETA for long stages. Local: callers enable it on
 * rank 0 only. On a terminal one line is redrawn; otherwise (Slurm logs) a full line is printed at
 * most every `interval` seconds. Output goes to stderr. */
#ifndef SPR_PROGRESS_H
#define SPR_PROGRESS_H
#include <stdint.h>

typedef struct spr_progress {
  const char *label; /* borrowed */
  const char *unit;  /* borrowed, e.g. "docs" */
  uint64_t total;    /* 0 = unknown */
  double start, last;
  double interval;
  int enabled, tty;
} spr_progress;

void spr_progress_start(spr_progress *p, const char *label, const char *unit, uint64_t total, int enabled);
/* done = units finished so far (of total). Cheap when nothing is printed. */
void spr_progress_update(spr_progress *p, uint64_t done);
/* Final line with the overall rate. */
void spr_progress_finish(spr_progress *p, uint64_t done);
/* Monotonic seconds. */
double spr_now(void);
#endif /* SPR_PROGRESS_H */
