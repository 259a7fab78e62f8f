# `osprey run` end to end: greedy generation on the real tiny model writes exactly llama.cpp's
# continuation (../shared/reference/stories260K-greedy.json). Skipped when ../shared is absent.
add_test(NAME model_run_greedy_stories260K
         COMMAND ${CMAKE_COMMAND} -DOSPREY=$<TARGET_FILE:osprey> -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
                 -P ${CMAKE_CURRENT_LIST_DIR}/run_greedy.cmake)
set_tests_properties(model_run_greedy_stories260K PROPERTIES SKIP_REGULAR_EXPRESSION "shared material missing" TIMEOUT 300)
# The same continuation with the prompt on its own pool (-tb differs from -t).
add_test(NAME model_run_greedy_stories260K_threads_batch
         COMMAND ${CMAKE_COMMAND} -DOSPREY=$<TARGET_FILE:osprey> -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
                 "-DEXTRA=-t;1;-tb;2" "-DEXPECT_ERR=1 thread \\(2 for the prompt\\)"
                 -P ${CMAKE_CURRENT_LIST_DIR}/run_greedy.cmake)
set_tests_properties(model_run_greedy_stories260K_threads_batch PROPERTIES SKIP_REGULAR_EXPRESSION "shared material missing"
                                                                         TIMEOUT 300)
