# Label multinode: spire on a 3-node Slurm on this machine (slurm/multinode-start.sh: every slurmd
# in its own network, UTS and mount namespace). Needs root and slurm-wlm; skipped (77) where
# namespaces are refused. Off unless the CMake option or the environment variable
# SPR_TEST_MULTINODE is set at configure time (.ci/run sets it). About 2 minutes; the tests share
# one cluster (a CTest fixture) and run one at a time (node2 dies in multinode_nodefail).
option(SPR_TEST_MULTINODE "Register the tests that start a multi-node Slurm in network namespaces" OFF)
if(SPR_TEST_MULTINODE OR "$ENV{SPR_TEST_MULTINODE}")
  # a cluster folder per build tree, and the first free network: a developer's and CI's clusters coexist
  string(MD5 _mn_hash "${CMAKE_BINARY_DIR}")
  string(SUBSTRING "${_mn_hash}" 0 8 _mn_hash)
  set(_mn_env "SPR_MN_DIR=/tmp/spire-mntest-${_mn_hash};SPR_MN_NET=auto;SPR_MN_SHARE=${CMAKE_BINARY_DIR}:${PROJECT_SOURCE_DIR}")
  foreach(part start cluster job nodefail stop)
    spr_add_script_test(multinode_${part} multinode ${CMAKE_CURRENT_LIST_DIR}/multinode.sh ${part} ${PROJECT_SOURCE_DIR})
    get_test_property(multinode_${part} ENVIRONMENT _env)
    set_tests_properties(multinode_${part} PROPERTIES ENVIRONMENT "${_env};${_mn_env}"
      RESOURCE_LOCK spire_multinode TIMEOUT 300 PROCESSORS 2)
  endforeach()
  set_tests_properties(multinode_start PROPERTIES FIXTURES_SETUP spire_multinode)
  set_tests_properties(multinode_stop PROPERTIES FIXTURES_CLEANUP spire_multinode)
  set_tests_properties(multinode_cluster multinode_job multinode_nodefail PROPERTIES FIXTURES_REQUIRED spire_multinode)
endif()
