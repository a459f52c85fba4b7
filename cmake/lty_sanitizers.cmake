# LTY_ASAN / LTY_UBSAN / LTY_TSAN, libuv style. Applied to every target of the build.
if(LTY_ASAN)
    add_compile_options(-fsanitize=address -fno-omit-frame-pointer)
    add_link_options(-fsanitize=address)
endif()
if(LTY_UBSAN)
    add_compile_options(-fsanitize=undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
    add_link_options(-fsanitize=undefined -fno-sanitize-recover=all)
endif()
if(LTY_TSAN)
    add_compile_options(-fsanitize=thread)
    add_link_options(-fsanitize=thread)
endif()
# A fuzz build instruments every target for coverage (fuzzer-no-link) and ASan + UBSan, so a
# harness linking lty_common or the daemon libraries is guided through their code, not only
# through its own file. Only the harnesses link libFuzzer's main (tests/fuzz/CMakeLists.txt).
if(LTY_FUZZ)
    add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                        -fno-omit-frame-pointer)
    add_link_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all)
endif()
