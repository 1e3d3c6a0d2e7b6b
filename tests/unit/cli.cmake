# docs/cli.md is generated from the binary's --help texts and must be current.
add_test(NAME cli_doc COMMAND bash -c "diff -u ${PROJECT_SOURCE_DIR}/docs/cli.md <(bash ${PROJECT_SOURCE_DIR}/jobs/gen-cli-doc.sh $<TARGET_FILE:spire>) && echo ok")
set_tests_properties(cli_doc PROPERTIES LABELS unit)
# Query formats: JSON vectors, Anserini TSV with repeated tokens, PISA qid:tokens give the same run.
spr_add_script_test(cli_query_formats unit ${CMAKE_CURRENT_LIST_DIR}/query_formats.sh)
# Subcommand options from the table of settings: usage errors, every listed option accepted, ranges.
spr_add_script_test(cli_options unit ${CMAKE_CURRENT_LIST_DIR}/cli_options.sh)
# spire eval's options from the same table, in trec_eval's syntax: spellings, refusals, --help.
spr_add_script_test(cli_eval_options unit ${CMAKE_CURRENT_LIST_DIR}/eval_options.sh)
