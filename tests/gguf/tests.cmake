# `osprey gguf` end to end on a seed file kept in the repository (written by osprey's GgufWriter,
# checked against the GGUF specification with an independent script when it was made).
set(OSPREY_GGUF_SEED ${PROJECT_SOURCE_DIR}/fuzz/corpus/gguf/all_types.gguf)
add_test(NAME gguf_tool_validate_ok COMMAND osprey gguf validate ${OSPREY_GGUF_SEED})
set_tests_properties(gguf_tool_validate_ok PROPERTIES PASS_REGULAR_EXPRESSION "^ok")
add_test(NAME gguf_tool_validate_bad
         COMMAND sh -c "out=$(\"$0\" gguf validate \"$1\" 2>&1); rc=$?; echo \"$out\"; [ $rc -eq 1 ] && echo \"$out\" | grep -q 'bad magic'"
                 $<TARGET_FILE:osprey> ${PROJECT_SOURCE_DIR}/CMakeLists.txt)
add_test(NAME gguf_tool_dump COMMAND osprey gguf dump ${OSPREY_GGUF_SEED})
set_tests_properties(gguf_tool_dump PROPERTIES PASS_REGULAR_EXPRESSION
  "llama.context_length: u32 = 2048.*tokenizer.ggml.tokens: array\\[string\\] = \\[\"<unk>\".*output.weight: Q4_K \\[256, 1\\] offset 96 144 bytes")
