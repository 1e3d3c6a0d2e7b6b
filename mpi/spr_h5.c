/* placeholder until the HDF5 backend lands */
#include "spr_h5.h"
