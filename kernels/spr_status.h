/* spr_status.h: the one status-code table of spire, error context and assertion macros.
 * Root of the dependency DAG: every module includes it. Local (no MPI, no I/O). */
#ifndef SPR_STATUS_H
#define SPR_STATUS_H
#include <stdint.h>

#if defined(__GNUC__)
#define SPR_NODISCARD __attribute__((warn_unused_result))
#define SPR_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SPR_NODISCARD
#define SPR_PRINTF(a, b)
#endif

/* X(name, value, text). Values are pinned: never renumber, only append. */
#define SPR_STATUS_TABLE(X)                                   \
  X(SPR_OK, 0, "success")                                     \
  X(SPR_EINVAL, -1, "invalid argument")                       \
  X(SPR_ENOMEM, -2, "out of memory")                          \
  X(SPR_EIO, -3, "I/O error")                                 \
  X(SPR_EPARSE, -4, "parse error")                            \
  X(SPR_ECORRUPT, -5, "corrupt data")                         \
  X(SPR_ENOSPACE, -6, "output buffer too small")              \
  X(SPR_EMPI, -7, "MPI error")                                \
  X(SPR_EHDF5, -8, "HDF5 error")                              \
  X(SPR_ENOTFOUND, -9, "not found")                           \
  X(SPR_EUNSUPPORTED, -10, "unsupported")                     \
  X(SPR_EPEER, -11, "failure on another rank")                \
  X(SPR_EUSAGE, -12, "usage error")

enum spr_status {
#define SPR_X_ENUM(name, value, text) name = value,
  SPR_STATUS_TABLE(SPR_X_ENUM)
#undef SPR_X_ENUM
};

/* Name and description of a status code ("SPR_EPARSE: parse error"). Never fails. */
const char *spr_strerror(int code);

/* Record a failure: message "file:line func: context" in a thread-local buffer.
 * Returns code so that `return spr_fail(...)` works. Thread-safe. */
int spr_fail_at(int code, const char *file, int line, const char *func, const char *fmt, ...)
    SPR_PRINTF(5, 6);
/* Append a traceback frame to the thread-local message. Returns code. */
int spr_frame_at(int code, const char *file, int line, const char *func);
/* The context of the last failure on this thread ("" when none). Valid until the next failure. */
const char *spr_last_error(void);
/* Only the first user-facing context line (no frames): what a CLI prints. */
const char *spr_last_message(void);
/* Forget the last failure on this thread. */
void spr_clear_error(void);

#define SPR_FAIL(code, ...) spr_fail_at((code), __FILE__, __LINE__, __func__, __VA_ARGS__)
#define SPR_TRY(expr)                                               \
  do {                                                              \
    const int spr_try_rc_ = (int)(expr);                            \
    if (spr_try_rc_ < 0)                                            \
      return spr_frame_at(spr_try_rc_, __FILE__, __LINE__, __func__); \
  } while (0)
/* Like SPR_TRY but jumps to a cleanup label with rc set. */
#define SPR_TRYG(rcvar, expr, label)                                  \
  do {                                                                \
    (rcvar) = (int)(expr);                                            \
    if ((rcvar) < 0) {                                                \
      spr_frame_at((rcvar), __FILE__, __LINE__, __func__);            \
      goto label;                                                     \
    }                                                                 \
  } while (0)

#ifndef NDEBUG
#include <assert.h>
#define SPR_ASSERT(x) assert(x)
#else
#define SPR_ASSERT(x) ((void)0)
#endif

#endif /* SPR_STATUS_H */
