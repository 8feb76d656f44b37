# Runs one program of the documentation in a fresh folder, its trace file
# there (FLOCK_TRACE_FILE=true, FLOCK_TRACE_PATH=<folder>/traces.duckdb), and
# checks that it exits with 0 and that its output holds every pattern.
#   cmake -DEXE=<program> -DDIR=<folder> [-DARGS=a@@b] [-DEXPECT=<regex>@@<regex>] -P run_example.cmake
cmake_minimum_required(VERSION 3.25)

file(REMOVE_RECURSE "${DIR}")
file(MAKE_DIRECTORY "${DIR}")
set(ENV{FLOCK_TRACE_FILE} "true")
set(ENV{FLOCK_TRACE_PATH} "${DIR}/traces.duckdb")
string(REPLACE "@@" ";" args "${ARGS}")
execute_process(COMMAND "${EXE}" ${args}
                WORKING_DIRECTORY "${DIR}"
                RESULT_VARIABLE rc
                OUTPUT_VARIABLE out
                ERROR_VARIABLE err
                TIMEOUT 120)
message("${out}")
if(NOT err STREQUAL "")
  message("stderr:\n${err}")
endif()
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} ended with ${rc}")
endif()
string(REPLACE "@@" ";" patterns "${EXPECT}")
foreach(pattern IN LISTS patterns)
  if(NOT "${out}" MATCHES "${pattern}")
    message(FATAL_ERROR "the output does not match /${pattern}/")
  endif()
endforeach()
