# Every C++ source is as clang-format (.clang-format) writes it: run `clang-format -i` on what you
# touch. Usage: cmake -DROOT=<source tree> -DCLANG_FORMAT=<program> -P format.cmake
cmake_minimum_required(VERSION 3.25)
if(NOT CLANG_FORMAT)
    message(FATAL_ERROR "clang-format is not installed: run tools/setup")
endif()
file(GLOB_RECURSE files ${ROOT}/core/*.cpp ${ROOT}/core/*.h ${ROOT}/servers/*.cpp ${ROOT}/servers/*.h
     ${ROOT}/app/*.cpp ${ROOT}/app/*.h ${ROOT}/tests/*.cpp ${ROOT}/tests/*.h ${ROOT}/bench/*.cpp ${ROOT}/bench/*.h)
list(FILTER files EXCLUDE REGEX "/tests/conventions/fixture/")
execute_process(COMMAND ${CLANG_FORMAT} --dry-run --Werror ${files} RESULT_VARIABLE rc ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
    string(REGEX MATCHALL "[^\n]*: error: code should be clang-formatted" lines "${out}")
    list(TRANSFORM lines REPLACE ":[0-9]+:[0-9]+: error: code should be clang-formatted" "")
    list(REMOVE_DUPLICATES lines)
    list(JOIN lines "\n  " text)
    message(FATAL_ERROR "not as clang-format writes them (run clang-format -i on them):\n  ${text}")
endif()
list(LENGTH files n)
message(STATUS "${n} files formatted")
