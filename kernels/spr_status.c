/* spr_status.c: status names and the thread-local error context. The only state in kernels/:
 * a per-thread message buffer, which is what makes spr_last_error() possible without errno. */
#include "spr_status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define SPR_ERRBUF 2048
static _Thread_local char spr_errbuf[SPR_ERRBUF];
static _Thread_local char spr_msgbuf[SPR_ERRBUF];

const char *spr_strerror(int code) {
  switch (code) {
#define SPR_X_CASE(name, value, text) \
  case value:                         \
    return #name ": " text;
    SPR_STATUS_TABLE(SPR_X_CASE)
#undef SPR_X_CASE
    default:
      return "SPR_E?: unknown status";
  }
}

int spr_fail_at(int code, const char *file, int line, const char *func, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(spr_msgbuf, sizeof spr_msgbuf, fmt, ap);
  va_end(ap);
  const char *base = strrchr(file, '/');
  snprintf(spr_errbuf, sizeof spr_errbuf, "%s\n  at %s:%d %s", spr_msgbuf, base ? base + 1 : file,
           line, func);
  return code;
}

int spr_frame_at(int code, const char *file, int line, const char *func) {
  const char *base = strrchr(file, '/');
  size_t used = strlen(spr_errbuf);
  if (used == 0) { /* a failure that recorded no context: name the code */
    snprintf(spr_msgbuf, sizeof spr_msgbuf, "%s", spr_strerror(code));
    snprintf(spr_errbuf, sizeof spr_errbuf, "%s", spr_msgbuf);
    used = strlen(spr_errbuf);
  }
  if (used + 1 < sizeof spr_errbuf)
    snprintf(spr_errbuf + used, sizeof spr_errbuf - used, "\n  at %s:%d %s", base ? base + 1 : file,
             line, func);
  return code;
}

const char *spr_last_error(void) { return spr_errbuf; }
const char *spr_last_message(void) { return spr_msgbuf[0] ? spr_msgbuf : spr_errbuf; }

void spr_clear_error(void) {
  spr_errbuf[0] = '\0';
  spr_msgbuf[0] = '\0';
}
