/* spr_args.h: small helpers for subcommand options (getopt_long does the parsing). */
#ifndef SPR_ARGS_H
#define SPR_ARGS_H
#include <stdint.h>

/* Parse a whole decimal number in [lo, hi]; 0 on success, -1 otherwise. */
int spr_arg_long(const char *s, long lo, long hi, long *out);
/* Parse a finite double in [lo, hi]; 0 on success, -1 otherwise. */
int spr_arg_double(const char *s, double lo, double hi, double *out);
#endif /* SPR_ARGS_H */
