# tools/flags.cpp is compiled into the osprey binary, not a library: the unit test builds it too.
if(TARGET tools_tests)
  target_sources(tools_tests PRIVATE ${PROJECT_SOURCE_DIR}/tools/flags.cpp)
endif()

# `osprey run` refuses unknown flags by name and lists its options in --help.
add_test(NAME tools_run_unknown_flag
         COMMAND sh -c "out=$(\"$0\" run -m x.gguf --bogus 2>&1); rc=$?; echo \"$out\"; [ $rc -eq 1 ] && echo \"$out\" | grep -q \"unknown flag '--bogus'\""
                 $<TARGET_FILE:osprey>)
add_test(NAME tools_run_negative_threads_batch
         COMMAND sh -c "out=$(\"$0\" run -m x.gguf -p hi -tb -1 2>&1); rc=$?; echo \"$out\"; [ $rc -eq 1 ] && echo \"$out\" | grep -q -- '-tb: expected >= 0, got -1'"
                 $<TARGET_FILE:osprey>)
add_test(NAME tools_run_help COMMAND osprey run --help)
set_tests_properties(tools_run_help PROPERTIES PASS_REGULAR_EXPRESSION
  "--threads-batch.*--temp.*--top-k.*--top-p.*--min-p.*--seed.*--repeat-penalty.*--repeat-last-n.*--ignore-eos.*--rope-freq-base.*--rope-freq-scale.*--yarn-ext-factor.*--kv-type")
add_test(NAME tools_run_missing_model
         COMMAND sh -c "out=$(\"$0\" run -m /nonexistent/model.gguf -p hi 2>&1); rc=$?; echo \"$out\"; [ $rc -eq 1 ] && echo \"$out\" | grep -q '/nonexistent/model.gguf'"
                 $<TARGET_FILE:osprey>)

# `osprey bench` end to end on ../shared/models/stories260K.gguf (tests/tools/bench_test.sh): each
# output format's fields against the flags, --batched, refusal of bad or unsupported flags.
foreach(case md json csv jsonl errors)
  add_test(NAME tools_bench_${case}
           COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/bench_test.sh $<TARGET_FILE:osprey> ${PROJECT_SOURCE_DIR} ${case})
  set_tests_properties(tools_bench_${case} PROPERTIES SKIP_REGULAR_EXPRESSION "shared material missing;python3 missing"
                                                     PASS_REGULAR_EXPRESSION "PASS: ${case}" TIMEOUT 120)
endforeach()
