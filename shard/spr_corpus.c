/* placeholder */
#include "spr_status.h"
