# Finds every third-party dependency among Debian 12's packages and fails with a message that
# names the package to install. scripts/deps installs them all.
find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
    message(FATAL_ERROR "pkg-config not found: apt-get install pkg-config")
endif()

function(lty_require_pkg var module debian_package)
    pkg_check_modules(${var} IMPORTED_TARGET ${module})
    if(NOT ${var}_FOUND)
        message(FATAL_ERROR "${module} not found: apt-get install ${debian_package}")
    endif()
endfunction()

lty_require_pkg(LTY_UV libuv libuv1-dev)
lty_require_pkg(LTY_LMDB lmdb liblmdb-dev)
lty_require_pkg(LTY_CJSON libcjson libcjson-dev)
lty_require_pkg(LTY_ARGON2 libargon2 libargon2-dev)
lty_require_pkg(LTY_QRENCODE libqrencode libqrencode-dev) # coupon QR codes (SVG): api/qr.c
# Replicated mode (daemon/src/store/replication.c); single-node mode runs without a NATS server.
lty_require_pkg(LTY_NATS libnats libnats-dev)

find_path(LTY_MBEDTLS_INCLUDE mbedtls/ssl.h)
find_library(LTY_MBEDTLS_LIB mbedtls)
find_library(LTY_MBEDX509_LIB mbedx509)
find_library(LTY_MBEDCRYPTO_LIB mbedcrypto)
if(NOT LTY_MBEDTLS_INCLUDE OR NOT LTY_MBEDTLS_LIB OR NOT LTY_MBEDX509_LIB OR NOT LTY_MBEDCRYPTO_LIB)
    message(FATAL_ERROR "mbedTLS not found: apt-get install libmbedtls-dev")
endif()
add_library(lty_mbedtls INTERFACE)
target_include_directories(lty_mbedtls INTERFACE ${LTY_MBEDTLS_INCLUDE})
target_link_libraries(lty_mbedtls INTERFACE ${LTY_MBEDTLS_LIB} ${LTY_MBEDX509_LIB}
                      ${LTY_MBEDCRYPTO_LIB})

set(LTY_LLHTTP_DIR /usr/share/llhttp)
set(LTY_LLHTTP_INCLUDE /usr/share/include/llhttp)
# The header is named in one place only, common/src/lty_http1.c's #include; here any header in
# its folder will do to tell that the package is installed.
file(GLOB LTY_LLHTTP_HEADERS ${LTY_LLHTTP_INCLUDE}/*.h)
if(NOT EXISTS ${LTY_LLHTTP_DIR}/llhttp.c OR NOT LTY_LLHTTP_HEADERS)
    message(FATAL_ERROR "llhttp sources not found: apt-get install node-llhttp")
endif()
# llhttp is third-party C compiled into the build without our warning set.
add_library(lty_llhttp STATIC ${LTY_LLHTTP_DIR}/llhttp.c ${LTY_LLHTTP_DIR}/api.c
            ${LTY_LLHTTP_DIR}/http.c)
target_include_directories(lty_llhttp SYSTEM PUBLIC ${LTY_LLHTTP_INCLUDE})
set_target_properties(lty_llhttp PROPERTIES POSITION_INDEPENDENT_CODE ON)
target_compile_options(lty_llhttp PRIVATE -w)
# llhttp.c holds two parsers; LLHTTP_STRICT_MODE (the name llhttp 8.1 tests with #if) selects
# the strict one. Only common/src/lty_http1.c includes llhttp's header.
target_compile_definitions(lty_llhttp PRIVATE LLHTTP_STRICT_MODE=1)

if(LTY_TESTS)
    pkg_check_modules(LTY_CMOCKA IMPORTED_TARGET cmocka)
    if(NOT LTY_CMOCKA_FOUND)
        message(FATAL_ERROR "cmocka not found: apt-get install libcmocka-dev")
    endif()
endif()
