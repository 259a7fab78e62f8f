# One CTest test per libFuzzer target (fuzz/<name>_fuzz.cpp): runs the ASan+UBSan binary built by
# scripts/test.sh in $OSPREY_FUZZ_BUILD for $OSPREY_FUZZ_SECONDS. Skipped (code 77) when no fuzz tree.
file(GLOB fuzz_sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/fuzz/*_fuzz.cpp)
foreach(src ${fuzz_sources})
  get_filename_component(name ${src} NAME_WE)
  add_test(NAME fuzz.${name} COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/run_one.sh ${name}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(fuzz.${name} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600 LABELS fuzz)
endforeach()
