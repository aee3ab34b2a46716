# Runs ${ITDD} with ${ARGS} (a ;-list) and checks the exit code and the output.
execute_process(COMMAND ${ITDD} ${ARGS}
                RESULT_VARIABLE exit_code OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(all "${err}${out}")
if(NOT exit_code STREQUAL EXPECT_EXIT)
  message(FATAL_ERROR "exit code ${exit_code}, expected ${EXPECT_EXIT}\n--- output:\n${all}")
endif()
if(NOT all MATCHES "${EXPECT_REGEX}")
  message(FATAL_ERROR "output does not match '${EXPECT_REGEX}'\n--- output:\n${all}")
endif()
if(NOT EXPECT_EXIT STREQUAL "0" AND NOT out STREQUAL "")
  message(FATAL_ERROR "a refused run printed a summary on stdout:\n${out}")
endif()
message(STATUS "ok: exit ${exit_code}, output matches")
