# Script tests of `osprey render-template`: the real binary, a shared template file with its
# expected rendering, GGUF models with and without tokenizer.chat_template, and a raising template.
add_test(NAME chat.render_template_tool
         COMMAND ${CMAKE_COMMAND} -DOSPREY=$<TARGET_FILE:osprey> -DSRC=${PROJECT_SOURCE_DIR}
                 -DWORK=${CMAKE_CURRENT_BINARY_DIR}/chat_render_template
                 -P ${CMAKE_CURRENT_LIST_DIR}/render_template_test.cmake)
set_tests_properties(chat.render_template_tool PROPERTIES SKIP_REGULAR_EXPRESSION "SKIPPED:" TIMEOUT 120)
