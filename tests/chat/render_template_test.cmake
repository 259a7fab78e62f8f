# cmake -DOSPREY=<binary> -DSRC=<repo> -DWORK=<dir> -P render_template_test.cmake
if(DEFINED ENV{OSPREY_SHARED} AND IS_DIRECTORY "$ENV{OSPREY_SHARED}")
  set(SHARED "$ENV{OSPREY_SHARED}")
else()
  get_filename_component(SHARED "${SRC}/../shared" ABSOLUTE)
endif()
if(NOT EXISTS "${SHARED}/templates/cases.json")
  message("SKIPPED: shared material missing: ${SHARED}/templates/cases.json")
  return()
endif()
file(MAKE_DIRECTORY "${WORK}")

# Runs osprey with ARGN; sets OUT, ERR and RC in the caller.
function(run_osprey)
  execute_process(COMMAND "${OSPREY}" render-template ${ARGN}
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  set(OUT "${out}" PARENT_SCOPE)
  set(ERR "${err}" PARENT_SCOPE)
  set(RC "${rc}" PARENT_SCOPE)
endfunction()

function(expect_output what expected)
  if(NOT RC EQUAL 0)
    message(FATAL_ERROR "${what}: exit code ${RC}, stderr: ${ERR}")
  endif()
  if(NOT OUT STREQUAL expected)
    message(FATAL_ERROR "${what}: output differs.\n--- expected ---\n${expected}\n--- actual ---\n${OUT}")
  endif()
  message(STATUS "${what}: ok")
endfunction()

# Sets CASE to "cases.json#/cases/<i>" (JSON Pointer to the case named `name`); the tool reads its
# "messages" and "tools" from there, in the file's key order.
file(READ "${SHARED}/templates/cases.json" cases_json)
function(find_case name)
  string(JSON n LENGTH "${cases_json}" cases)
  math(EXPR last "${n} - 1")
  foreach(i RANGE ${last})
    string(JSON cname GET "${cases_json}" cases ${i} name)
    if(cname STREQUAL name)
      set(CASE "${SHARED}/templates/cases.json#/cases/${i}" PARENT_SCOPE)
      return()
    endif()
  endforeach()
  message(FATAL_ERROR "case ${name} not in cases.json")
endfunction()

# 1. A template file with tools and the generation prompt, against Python's rendering.
set(tmpl "Qwen-Qwen2.5-7B-Instruct")
find_case(tool_call_and_result)
run_osprey(--chat-template-file "${SHARED}/templates/${tmpl}.jinja" "--bos-token=" --eos-token "<|im_end|>"
           --messages "${CASE}" --add-generation-prompt)
file(READ "${SHARED}/templates/expected/${tmpl}/tool_call_and_result.txt" expected)
expect_output("template file + tools" "${expected}")

# 2. strftime_now with a fixed --now, without the generation prompt.
set(tmpl "mistralai-Mistral-Small-3.2-24B-Instruct-2506")
find_case(multi_turn_no_gen)
run_osprey(--chat-template-file "${SHARED}/templates/${tmpl}.jinja" --bos-token "<s>" --eos-token "</s>"
           --messages "${CASE}/messages" --now 1768435200)
file(READ "${SHARED}/templates/expected/${tmpl}/multi_turn_no_gen.txt" expected)
expect_output("strftime_now + no generation prompt" "${expected}")

# 3. A template that raises: exit code 1 and the template's message on stderr.
find_case(system_user)
run_osprey(--chat-template-file "${SHARED}/templates/google-gemma-2-2b-it.jinja" --bos-token "<bos>"
           --eos-token "<eos>" --messages "${CASE}" --add-generation-prompt)
if(RC EQUAL 0 OR NOT ERR MATCHES "System role not supported")
  message(FATAL_ERROR "raising template: expected failure with its message, got rc=${RC} stderr=${ERR}")
endif()

# 4. -m: the GGUF's own tokenizer.chat_template and its BOS text (Phi-3 vocabulary: <s>).
file(WRITE "${WORK}/hello.json" "[{\"role\": \"user\", \"content\": \"Hello\"}]")
if(EXISTS "${SHARED}/vocab/ggml-vocab-phi-3.gguf")
  run_osprey(-m "${SHARED}/vocab/ggml-vocab-phi-3.gguf" --messages "${WORK}/hello.json" --add-generation-prompt)
  expect_output("model template" "<s><|user|>\nHello<|end|>\n<|assistant|>\n")
endif()

# 5. -m with a model that has no template: ChatML.
if(EXISTS "${SHARED}/models/stories260K.gguf")
  run_osprey(-m "${SHARED}/models/stories260K.gguf" --messages "${WORK}/hello.json" --add-generation-prompt)
  expect_output("ChatML fallback" "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n")
endif()

# 6. A built-in template by name.
run_osprey(--chat-template llama3 --bos-token "<|begin_of_text|>" --eos-token "<|eot_id|>"
           --messages "${WORK}/hello.json" --add-generation-prompt)
expect_output("built-in llama3"
  "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
