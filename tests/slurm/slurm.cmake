# Label slurm: spire on a real single-node Slurm (slurm/cluster-start.sh). Off unless the CMake
# option or the environment variable SPR_TEST_SLURM is set (.ci/run sets it and starts the cluster).
option(SPR_TEST_SLURM "Register the tests that submit jobs to a local Slurm" OFF)
if(SPR_TEST_SLURM OR "$ENV{SPR_TEST_SLURM}")
  spr_add_script_test(slurm_sbatch slurm ${CMAKE_CURRENT_LIST_DIR}/slurm.sh ${PROJECT_SOURCE_DIR})
  set_tests_properties(slurm_sbatch PROPERTIES PROCESSORS 2 TIMEOUT 900)
endif()
