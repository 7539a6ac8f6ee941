# cmake -DDUMPR=path/to/dumpr -DSHELL=bash|zsh|fish -DOUTPUT=file -P GenerateCompletion.cmake
# Writes `dumpr completion SHELL` to OUTPUT, failing the build when the binary fails.
get_filename_component(dir ${OUTPUT} DIRECTORY)
file(MAKE_DIRECTORY ${dir})
execute_process(COMMAND ${DUMPR} completion ${SHELL} OUTPUT_FILE ${OUTPUT}.tmp
  RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  file(REMOVE ${OUTPUT}.tmp)
  message(FATAL_ERROR "`${DUMPR} completion ${SHELL}` failed (${rc}): ${err}")
endif()
file(RENAME ${OUTPUT}.tmp ${OUTPUT})
