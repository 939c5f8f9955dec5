# run_scenario.cmake: one CTest entry = run a scenario through `calimero-runtime scenario`
# and compare its output with the expected JSON lines.
#   cmake -DRUNTIME=... -DSCENARIO=... -DAPPS=... -DEXPECTED=... -DCOMPARE=... -DOUT=...
#         -P run_scenario.cmake
execute_process(
  COMMAND ${RUNTIME} scenario ${SCENARIO} --apps ${APPS}
  OUTPUT_FILE ${OUT}
  ERROR_VARIABLE stderr_text
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(STATUS "calimero-runtime exited with ${rc}: ${stderr_text}")
endif()
execute_process(COMMAND ${COMPARE} ${EXPECTED} ${OUT} RESULT_VARIABLE cmp)
if(NOT cmp EQUAL 0)
  message(FATAL_ERROR "${SCENARIO}: output differs from ${EXPECTED} (output kept in ${OUT})")
endif()
