/* spr_h5zstd_plugin.c: the HDF5 dynamic-plugin entry points for the zstd filter of spr_h5zstd.c
 * (built together with it into build/plugins/libspr_h5zstd.so, never into spr_mpi).
 * Use: HDF5_PLUGIN_PATH=build/plugins h5dump index.h5 */
#include <H5PLextern.h>

#include "spr_h5zstd_impl.h"

H5PL_type_t H5PLget_plugin_type(void) { return H5PL_TYPE_FILTER; }
const void *H5PLget_plugin_info(void) { return &spr_h5zstd_class; }
