cmake_minimum_required(VERSION 3.22)
# Helpers for CLI tests written as CMake scripts (cmake -P): run the CLI, check exit codes, read its JSON.
# Variables passed with -D: ALSREC (the binary), WORK (a scratch folder), DATA (tests/data), SHARED (shared data).

if(NOT ALSREC OR NOT WORK)
  message(FATAL_ERROR "call with -DALSREC=<binary> -DWORK=<scratch dir>")
endif()
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

# run_command(EXIT <code> [OUT var] [ERR var] COMMAND ...): runs the command in WORK and fails the test unless it
# exits with <code>. Each run has a 300 s timeout.
function(run_command)
  cmake_parse_arguments(R "" "EXIT;OUT;ERR" "COMMAND" ${ARGN})
  execute_process(COMMAND ${R_COMMAND} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                  WORKING_DIRECTORY "${WORK}" TIMEOUT 300)
  if(NOT "${rc}" STREQUAL "${R_EXIT}")
    message(FATAL_ERROR "${R_COMMAND}\n  exit ${rc}, expected ${R_EXIT}\n  stdout: ${out}\n  stderr: ${err}")
  endif()
  if(R_OUT)
    set(${R_OUT} "${out}" PARENT_SCOPE)
  endif()
  if(R_ERR)
    set(${R_ERR} "${err}" PARENT_SCOPE)
  endif()
endfunction()

# run(EXIT <code> [OUT var] [ERR var] [LAUNCH launcher...] ARGS ...): alsrec with ARGS (behind the launcher, e.g.
# mpirun, if given), as run_command.
function(run)
  cmake_parse_arguments(R "" "EXIT;OUT;ERR" "ARGS;LAUNCH" ${ARGN})
  run_command(EXIT ${R_EXIT} OUT out ERR err COMMAND ${R_LAUNCH} "${ALSREC}" ${R_ARGS})
  if(R_OUT)
    set(${R_OUT} "${out}" PARENT_SCOPE)
  endif()
  if(R_ERR)
    set(${R_ERR} "${err}" PARENT_SCOPE)
  endif()
endfunction()

# write_rows_with_bad_lines(<file> <last line> <bad line>...): a user,item,rating file of lines 2..<last> (rows of a
# few users and items) whose given lines have the rating "bad<line>", which is not a number.
function(write_rows_with_bad_lines path last)
  set(text "user,item,rating\n")
  foreach(i RANGE 2 ${last})
    math(EXPR u "${i} % 37")
    math(EXPR it "${i} % 23")
    if(i IN_LIST ARGN)
      string(APPEND text "u${u},i${it},bad${i}\n")
    else()
      string(APPEND text "u${u},i${it},4\n")
    endif()
  endforeach()
  file(WRITE "${path}" "${text}")
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
