# `osprey tokenize` end to end (skipped when ../shared is missing).
add_test(NAME tokenizer_tokenize_cli
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/tokenize_cli_test.sh $<TARGET_FILE:osprey> ${PROJECT_SOURCE_DIR}/../shared)
set_tests_properties(tokenizer_tokenize_cli PROPERTIES SKIP_RETURN_CODE 77)
