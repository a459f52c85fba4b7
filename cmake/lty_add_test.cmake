# lty_add_test(name label sources...): one cmocka executable, one ctest entry, TAP output.
function(lty_add_test name label)
    add_executable(${name} ${ARGN})
    target_link_libraries(${name} PRIVATE lty_common PkgConfig::LTY_CMOCKA)
    target_compile_definitions(${name} PRIVATE UNIT_TESTING=1
                               LTY_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
    target_compile_options(${name} PRIVATE ${LTY_WARNINGS})
    add_test(NAME ${name} COMMAND ${name})
    set_tests_properties(${name} PROPERTIES LABELS ${label} TIMEOUT 60
                         ENVIRONMENT "CMOCKA_MESSAGE_OUTPUT=TAP")
endfunction()

# lty_add_script_test(name label script): a bash integration test. It gets the build dir and the
# source dir in its environment and finds every binary there.
function(lty_add_script_test name label script)
    set(sanitized 0)
    if(LTY_ASAN)
        set(sanitized 1)
    endif()
    add_test(NAME ${name} COMMAND bash ${script})
    set_tests_properties(${name} PROPERTIES LABELS ${label} TIMEOUT 180 SKIP_RETURN_CODE 77
        ENVIRONMENT
        "LTY_BUILD_DIR=${PROJECT_BINARY_DIR};LTY_SOURCE_DIR=${PROJECT_SOURCE_DIR};LTY_SANITIZED=${sanitized}")
endfunction()
