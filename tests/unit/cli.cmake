# docs/cli.md is generated from the binary's --help texts and must be current.
add_test(NAME cli_doc COMMAND bash -c "diff -u ${PROJECT_SOURCE_DIR}/docs/cli.md <(bash ${PROJECT_SOURCE_DIR}/jobs/gen-cli-doc.sh $<TARGET_FILE:spire>) && echo ok")
set_tests_properties(cli_doc PROPERTIES LABELS unit)
