# A failed distributed run prints its error once, from the rank that met it, prefixed "error (rank r of N)", and
# ends with the README's exit code; no model and no temporary file is left. -DMPIEXEC=<mpirun> -DNP=<ranks>.
# Each case is one that every rank (or several) meets at once: the flags, the input, the output, the data.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)

set(mpi_env)
if(NO_LEAK_CHECK)
  set(mpi_env -x ASAN_OPTIONS=detect_leaks=0)
endif()
# failed(<exit code> <expected text> ARGS ...): the run fails with that code and exactly one message naming it.
function(failed code text)
  run(EXIT ${code} ERR err LAUNCH "${MPIEXEC}" --allow-run-as-root --oversubscribe ${mpi_env} -np ${NP} --timeout 50
      ARGS ${ARGN} --distributed)
  string(REGEX MATCHALL "alsrec [a-z]+: error" messages "${err}")
  list(LENGTH messages n)
  if(NOT n EQUAL 1)
    message(FATAL_ERROR "expected one error message, got ${n}:\n${err}")
  endif()
  string(REGEX MATCH "alsrec [a-z]+: error[^\n]*" message "${err}")
  expect_contains("${message}" "of ${NP}): ")
  expect_contains("${message}" "${text}")
  set(message "${message}" PARENT_SCOPE)
  message(STATUS "${message}")
endfunction()

run(EXIT 0 ARGS generate --users 200 --items 150 --interactions 4000 --seed 9 --output ratings.csv)
set(opts --factors 4 --iterations 2 --threads 1 --no-screen)

# The same flags on every rank.
failed(1 "factors must be 1..1024, got 0" ARGS train --input ratings.csv --output m.alsrec --factors 0)
failed(1 "--gramian exact needs --exchange allgather" ARGS train --input ratings.csv --output m.alsrec ${opts}
       --exchange blocks --gramian exact)
# The same missing input on every rank.
failed(2 "missing.csv: cannot open" ARGS train --input missing.csv --output m.alsrec ${opts})
failed(2 "missing.csv: cannot open" ARGS evaluate --input missing.csv ${opts})
# Rank 0's output cannot be written: found before reading, while the other ranks wait at the first collective.
failed(2 "no-such-dir/m.alsrec: cannot write into directory" ARGS train --input ratings.csv
       --output no-such-dir/m.alsrec ${opts})
# Bad rows in two ranks' ranges (lines 300 and 590 of 600), --strict: the lowest failing rank reports it, so the
# message names the file's first bad row, from rank 1.
write_rows_with_bad_lines("${WORK}/two-bad.csv" 600 300 590)
failed(2 "two-bad.csv line 300: rating 'bad300' is not a number" ARGS train --input two-bad.csv --output m.alsrec
       ${opts} --strict)
expect_contains("${message}" "(rank 1 of")
# A confidence that is not finite: the ranks holding the value's user and its item both meet it.
file(WRITE "${WORK}/huge.csv" "user,item,rating\n")
foreach(u RANGE 1 40)
  math(EXPR i "${u} % 7")
  file(APPEND "${WORK}/huge.csv" "u${u},i${i},3\nu${u},j${i},4\n")
endforeach()
file(APPEND "${WORK}/huge.csv" "u40,i1,3e38\n")
failed(2 "is not finite" ARGS train --input huge.csv --output m.alsrec ${opts} --confidence implicit --values raw
       --alpha 100)
# Divergence: the loss, summed across ranks, is the same on every rank.
failed(3 "training diverged" ARGS train --input ratings.csv --output m.alsrec ${opts} --confidence implicit
       --values raw --alpha 1e30)

if(EXISTS "${WORK}/m.alsrec")
  message(FATAL_ERROR "a failed distributed run wrote m.alsrec")
endif()
# mpirun ends the other ranks with SIGTERM (rank 0's handler removes its temporary file), then SIGKILL one second
# later: on a loaded machine that can come first, and what a SIGKILL leaves the next write of the same output in
# that directory removes (its process is gone: output_file.cpp, remove_stale_temps matches the output's name). That
# next run is part of the guarantee, so it is part of the check.
file(GLOB leftovers "${WORK}/.*alsrec-tmp*")
if(leftovers)
  message(STATUS "left by a rank killed before its handler ran: ${leftovers}")
endif()
# "Gone" is the guarantee's condition: a killed rank's process can outlive mpirun by a moment (its launcher daemon
# reaps it), and while it exists its file is rightly kept. Wait (up to 10 s) until the writers' processes are gone.
foreach(f IN LISTS leftovers)
  if(f MATCHES "\\.([0-9]+)\\.[0-9a-f]+$")
    set(pid "${CMAKE_MATCH_1}")
    foreach(try RANGE 50)
      if(NOT EXISTS "/proc/${pid}")
        break()
      endif()
      execute_process(COMMAND sleep 0.2)
    endforeach()
  endif()
endforeach()
run(EXIT 0 ARGS train --input ratings.csv --output m.alsrec ${opts})
file(GLOB leftovers "${WORK}/.*alsrec-tmp*")
expect_equal("${leftovers}" "" "temporary files left by failed distributed runs")
