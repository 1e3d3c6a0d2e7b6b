# The tree's layout (docs/architecture.md): floors, no include or call loop, mpi/ files that talk.
# Runs on the built objects, so it follows the build; the self-test checks that it can fail.
add_test(NAME layout COMMAND bash -c "bash ${CMAKE_CURRENT_LIST_DIR}/layout.sh --self-test && bash ${CMAKE_CURRENT_LIST_DIR}/layout.sh ${PROJECT_SOURCE_DIR} ${CMAKE_BINARY_DIR}")
set_tests_properties(layout PROPERTIES LABELS unit SKIP_RETURN_CODE 77)
