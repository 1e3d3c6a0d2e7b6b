# The zstd filter (id 32015) as an HDF5 dynamic plugin, from the same source as spr_mpi's copy.
# HDF5_PLUGIN_PATH=${CMAKE_BINARY_DIR}/plugins lets h5dump, h5diff and h5py read spire's files.
# It links zstd only: the filter calls no HDF5 function, so the same .so works with serial tools
# (Debian's h5dump uses libhdf5_serial) and with parallel HDF5.
add_library(spr_h5zstd_plugin MODULE ${CMAKE_CURRENT_SOURCE_DIR}/spr_h5zstd_plugin.c
                                     ${CMAKE_CURRENT_SOURCE_DIR}/spr_h5zstd.c)
target_compile_definitions(spr_h5zstd_plugin PRIVATE SPR_H5ZSTD_PLUGIN ${HDF5_C_DEFINITIONS})
target_include_directories(spr_h5zstd_plugin PRIVATE ${CMAKE_CURRENT_SOURCE_DIR} ${HDF5_C_INCLUDE_DIRS}
                                                     ${MPI_C_INCLUDE_DIRS})
target_link_libraries(spr_h5zstd_plugin PRIVATE spr_zstd)
set_target_properties(spr_h5zstd_plugin PROPERTIES
  OUTPUT_NAME spr_h5zstd PREFIX "lib"
  LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/plugins
  C_VISIBILITY_PRESET hidden)
# The plugin is loaded by other programs (h5dump, h5diff): never instrument it with sanitizers,
# whose runtime those programs do not load.
if(SPR_SANITIZE)
  target_compile_options(spr_h5zstd_plugin PRIVATE -fno-sanitize=all)
  target_link_options(spr_h5zstd_plugin PRIVATE -fno-sanitize=all)
endif()
