# The warning set of shared/STYLE.md, strict from day one. LTY_WERROR adds -Werror (on by default).
set(LTY_WARNINGS
    -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wconversion
    -Wsign-conversion -Wformat=2 -Wundef -Wvla -Wcast-qual -Wnull-dereference
    -Werror=implicit-function-declaration -fno-common)
if(LTY_WERROR)
    list(APPEND LTY_WARNINGS -Werror)
endif()
