# run_scenario.cmake: one CTest entry: run a scenario with `calimero-runtime scenario` and
# compare its lines with the expected ones as JSON values (jsonl_compare).
#   cmake -DRUNTIME=... -DSCENARIO=... -DAPPS=... -DEXPECTED=... -DCOMPARE=... -DOUT=...
#         -P run_scenario.cmake
execute_process(
  COMMAND ${RUNTIME} scenario ${SCENARIO} --apps ${APPS} --out ${OUT}
  ERROR_VARIABLE stderr_text
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "calimero-runtime scenario ${SCENARIO} exited with ${rc}: ${stderr_text}")
endif()
execute_process(COMMAND ${COMPARE} ${EXPECTED} ${OUT} RESULT_VARIABLE cmp)
if(NOT cmp EQUAL 0)
  message(FATAL_ERROR "${SCENARIO}: output differs from ${EXPECTED} (output kept in ${OUT})")
endif()
