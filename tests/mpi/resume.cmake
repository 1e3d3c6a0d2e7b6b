# Kill safety of `spire run`: a job killed (SIGTERM, SIGKILL) at each stage and run again gives the
# same outputs as an uninterrupted run (tests/mpi/resume.sh; no Slurm needed).
foreach(sig TERM KILL)
  spr_add_script_test(mpi_resume_${sig} mpi ${CMAKE_CURRENT_LIST_DIR}/resume.sh 2 ${sig})
  set_tests_properties(mpi_resume_${sig} PROPERTIES PROCESSORS 2 TIMEOUT 600)
endforeach()
# Stages know their inputs by content hash, whatever the rank count (tests/mpi/invalidate.sh).
spr_add_script_test(mpi_invalidate mpi ${CMAKE_CURRENT_LIST_DIR}/invalidate.sh)
set_tests_properties(mpi_invalidate PROPERTIES PROCESSORS 2 TIMEOUT 300)
