# Script tests of the quantization tools (tests/quant/cli_test.sh): error handling without output
# files, options, SIGINT/SIGTERM leaving no partial output, perplexity and KL divergence end to end.
foreach(case quantize options interrupt perplexity)
  add_test(NAME quant_cli_${case}
           COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/cli_test.sh $<TARGET_FILE:osprey> ${PROJECT_SOURCE_DIR} ${case})
  set_tests_properties(quant_cli_${case} PROPERTIES SKIP_REGULAR_EXPRESSION "shared material missing"
                                                   PASS_REGULAR_EXPRESSION "PASS: ${case}" TIMEOUT 600)
endforeach()
