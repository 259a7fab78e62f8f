# Integration tests of `osprey serve`: the real binary on a free loopback port with
# ../shared/models/stories260K.gguf, driven by curl and by the openai npm SDK v6 (node --test).
# Skipped (code 77) with a message when the shared model, node, curl or the SDK is missing.
set(OSPREY_E2E_DIR ${CMAKE_CURRENT_LIST_DIR})
add_test(NAME e2e.npm_openai COMMAND bash ${OSPREY_E2E_DIR}/npm_openai.sh ${PROJECT_BINARY_DIR})
set_tests_properties(e2e.npm_openai PROPERTIES FIXTURES_SETUP osprey_openai_sdk SKIP_RETURN_CODE 77 TIMEOUT 300)
foreach(name curl openai_sdk concurrency)
  add_test(NAME e2e.serve_${name}
           COMMAND bash ${OSPREY_E2E_DIR}/run_node_test.sh $<TARGET_FILE:osprey> ${PROJECT_SOURCE_DIR}
                   ${PROJECT_BINARY_DIR} ${OSPREY_E2E_DIR}/${name}.test.mjs)
  set_tests_properties(e2e.serve_${name} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600 RUN_SERIAL TRUE)
endforeach()
set_tests_properties(e2e.serve_openai_sdk PROPERTIES FIXTURES_REQUIRED osprey_openai_sdk)
