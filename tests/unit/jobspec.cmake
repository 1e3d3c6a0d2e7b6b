# Job specs (jobs/spr_jobspec.c and its table jobs/spr_settings.c, linked directly): parser errors,
# defaults, env expansion, paths, the committed example job files, and docs/jobs.md being the
# generated key reference.
spr_add_unit_test(unit_jobspec ${CMAKE_CURRENT_LIST_DIR}/jobspec_test.c
  ${PROJECT_SOURCE_DIR}/jobs/spr_jobspec.c ${PROJECT_SOURCE_DIR}/jobs/spr_settings.c)
target_link_libraries(unit_jobspec PRIVATE PkgConfig::INIH)
target_include_directories(unit_jobspec PRIVATE ${PROJECT_SOURCE_DIR}/jobs)
target_compile_definitions(unit_jobspec PRIVATE SPR_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
