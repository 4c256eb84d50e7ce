cmake_minimum_required(VERSION 3.22)
# Helpers for CLI tests written as CMake scripts (cmake -P): run the CLI, check exit codes, read its JSON.
# Variables passed with -D: ALSREC (the binary), WORK (a scratch folder), DATA (tests/data), SHARED (shared data).

if(NOT ALSREC OR NOT WORK)
  message(FATAL_ERROR "call with -DALSREC=<binary> -DWORK=<scratch dir>")
endif()
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

# run(EXIT <code> [OUT var] [ERR var] [LAUNCH launcher...] ARGS ...): runs alsrec with ARGS (behind the launcher,
# e.g. mpirun, if given) and fails the test unless it exits with <code>. Each run has a 300 s timeout.
function(run)
  cmake_parse_arguments(R "" "EXIT;OUT;ERR" "ARGS;LAUNCH" ${ARGN})
  execute_process(COMMAND ${R_LAUNCH} "${ALSREC}" ${R_ARGS} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                  WORKING_DIRECTORY "${WORK}" TIMEOUT 300)
  if(NOT "${rc}" STREQUAL "${R_EXIT}")
    message(FATAL_ERROR "${R_LAUNCH} alsrec ${R_ARGS}\n  exit ${rc}, expected ${R_EXIT}\n  stdout: ${out}\n"
                        "  stderr: ${err}")
  endif()
  if(R_OUT)
    set(${R_OUT} "${out}" PARENT_SCOPE)
  endif()
  if(R_ERR)
    set(${R_ERR} "${err}" PARENT_SCOPE)
  endif()
endfunction()

function(expect_contains text needle)
  string(FIND "${text}" "${needle}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "expected to find '${needle}' in:\n${text}")
  endif()
endfunction()

function(expect_equal actual expected what)
  if(NOT "${actual}" STREQUAL "${expected}")
    message(FATAL_ERROR "${what}: got '${actual}', expected '${expected}'")
  endif()
endfunction()

# expect_between(value low high what): numeric range check (floats allowed).
function(expect_between value low high what)
  if(value LESS low OR value GREATER high)
    message(FATAL_ERROR "${what}: ${value} not in [${low}, ${high}]")
  endif()
endfunction()

# json(out_var json_text key...): string(JSON GET) that fails the test with the JSON when the key is missing.
function(json out text)
  string(JSON value ERROR_VARIABLE error GET "${text}" ${ARGN})
  if(error)
    message(FATAL_ERROR "JSON key ${ARGN} missing: ${error}\n${text}")
  endif()
  set(${out} "${value}" PARENT_SCOPE)
endfunction()

# json_length(out_var json_text key...): number of elements of the array (or object) at key.
function(json_length out text)
  string(JSON value ERROR_VARIABLE error LENGTH "${text}" ${ARGN})
  if(error)
    message(FATAL_ERROR "JSON key ${ARGN} missing: ${error}\n${text}")
  endif()
  set(${out} "${value}" PARENT_SCOPE)
endfunction()
