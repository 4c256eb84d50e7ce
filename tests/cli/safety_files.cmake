# What alsrec promises about files (README "What alsrec promises about your files"), one check per finding of
# issue 12. Runs as a normal user in a scratch directory: FIFOs, directories and symbolic links stand in for
# devices; /dev/full and /dev/zero are only ever redirected to or read, never replaced.
# -DSANITIZE=ON (the ASan build) skips the checks that cap the address space (ASan reserves terabytes of it).
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)

# Bash scripts below run through run_command(... COMMAND bash -c "<script>") with ALSREC in $A, in WORK.
set(ENV{A} "${ALSREC}")

function(expect_unchanged path hash what)
  file(SHA256 "${path}" now)
  expect_equal("${now}" "${hash}" "${what}")
endfunction()

run(EXIT 0 ARGS generate --users 60 --items 40 --interactions 900 --seed 3 --output ratings.csv)
file(SHA256 "${WORK}/ratings.csv" ratings_hash)
set(small --factors 4 --iterations 2)
set(small_text "--factors 4 --iterations 2")  # (for bash scripts)
file(WRITE "${WORK}/victim.txt" "precious\n")
file(SHA256 "${WORK}/victim.txt" victim_hash)

# 1. The temporary file is not at a guessable name: a link planted at the old "<out>.tmp-<pid>" (the pid is known
#    in advance: bash execs alsrec in its own process) is ignored, and the model lands in a regular file.
string(CONCAT plant "ln -s victim.txt \"model.alsr.tmp-$$\" && "
                    "exec \"$A\" train --input ratings.csv --output model.alsr ${small_text}")
run_command(EXIT 0 COMMAND bash -c "${plant}")
expect_unchanged("${WORK}/victim.txt" "${victim_hash}" "the planted link's target")
if(IS_SYMLINK "${WORK}/model.alsr" OR NOT EXISTS "${WORK}/model.alsr")
  message(FATAL_ERROR "model.alsr should be a new regular file")
endif()
file(SHA256 "${WORK}/model.alsr" model_hash)

#    Only regular files are replaced: a symbolic link, a FIFO and a directory are refused, before any work.
file(CREATE_LINK victim.txt "${WORK}/link.alsr" SYMBOLIC)
run(EXIT 2 ERR err ARGS train --input ratings.csv --output link.alsr ${small})
expect_contains("${err}" "link.alsr: is a symbolic link; alsrec replaces only regular files")
expect_unchanged("${WORK}/victim.txt" "${victim_hash}" "a symbolic link's target")
execute_process(COMMAND mkfifo "${WORK}/pipe.csv" RESULT_VARIABLE rc)
expect_equal("${rc}" "0" "mkfifo")
run(EXIT 2 ERR err ARGS generate --users 5 --items 20 --interactions 25 --output pipe.csv)
expect_contains("${err}" "pipe.csv: is a FIFO (named pipe)")
run_command(EXIT 0 COMMAND bash -c "test -p pipe.csv")
file(MAKE_DIRECTORY "${WORK}/folder")
run(EXIT 2 ERR err ARGS recommend --model model.alsr --all -o folder)
expect_contains("${err}" "folder: is a directory")
run(EXIT 2 ERR err ARGS recommend --model model.alsr --all -o folder/)
expect_contains("${err}" "is a directory")
#    ("-" is standard output: that is how to write to a device or a pipe; train's summary then goes to stderr.)
run(EXIT 0 OUT csv ARGS generate --users 5 --items 20 --interactions 25 --output -)
expect_contains("${csv}" "userId,itemId,rating,timestamp\n")
run_command(EXIT 0 ERR summary
            COMMAND bash -c "\"$A\" train --input ratings.csv --output - ${small_text} --json > piped.alsr")
expect_contains("${summary}" "\"output\": \"-\"")
run(EXIT 0 ARGS recommend --model piped.alsr --user 1)

# 2. Write errors on standard output are reported (exit 2, "standard output"), for every way results reach it.
foreach(args "recommend --model model.alsr --all" "recommend --model model.alsr --user 1 --json"
             "inspect --input ratings.csv --json" "train --input ratings.csv --output full.alsr ${small_text} --json"
             "generate --users 5 --items 20 --interactions 25 --output -")
  run_command(EXIT 2 ERR err COMMAND bash -c "exec \"$A\" ${args} > /dev/full")
  expect_contains("${err}" "standard output: write failed (No space left on device)")
endforeach()

# 3. A model is read from a regular file, whose size bounds the read: /dev/zero is refused at once, and a 2 GB
#    (sparse) text file given as a model is refused from its first bytes. In the optimised build both run under a
#    1 GB address-space cap, so reading either whole (what alsrec did) fails the check with "out of memory".
set(cap "")
if(NOT SANITIZE)
  set(cap "ulimit -v 1000000 &&")
endif()
run_command(EXIT 2 ERR err COMMAND bash -c "${cap} exec \"$A\" recommend --model /dev/zero --user 1")
expect_contains("${err}" "/dev/zero: is not a regular file")
file(WRITE "${WORK}/huge.csv" "userId,movieId,rating\n1,2,3\n")
run_command(EXIT 0 COMMAND bash -c "truncate -s 2G huge.csv")
run_command(EXIT 2 ERR err COMMAND bash -c "${cap} exec \"$A\" recommend --model huge.csv --user 1")
expect_contains("${err}" "huge.csv: not an alsrec model file (bad magic)")
file(REMOVE "${WORK}/huge.csv")

# 4. Every CSV alsrec writes is RFC 4180: ids holding a comma, a quote or a line break survive recommend --all -o,
#    read back (strictly) as the model's own users.
file(WRITE "${WORK}/hostile.csv" "user,item,rating\n")
foreach(u "\"a,b\"" "\"say \"\"hi\"\"\"" "\"two\nlines\"" plain)
  foreach(i "\"x,\"\"y\"\"\"" "i1" "\"i\n2\"" i3 i4)
    file(APPEND "${WORK}/hostile.csv" "${u},${i},4\n")
  endforeach()
endforeach()
run(EXIT 0 ARGS train --input hostile.csv --output hostile.alsr ${small})
run(EXIT 0 ARGS recommend --model hostile.alsr --all --include-seen -n 3 -o recs.csv)
run(EXIT 0 OUT info ARGS inspect --input recs.csv --columns user,_,item,rating --strict --json)
json(users "${info}" users)
json(rows "${info}" rows)
json(items "${info}" items)
expect_equal("${users}" "4" "users read back from recs.csv")
expect_equal("${rows}" "12" "rows of recs.csv (4 users x 3)")
expect_between("${items}" 1 5 "items read back from recs.csv")

# 5. A row with more fields than the header is a bad row (an unquoted decimal comma: rating 1, timestamp 5),
#    reported with its line; picking the columns by position says the other fields do not matter.
file(WRITE "${WORK}/extra.csv" "userId,movieId,rating,timestamp\nu1,i1,4,100\nu2,i1,1,5,200\nu3,i2,3,300\n")
run(EXIT 0 OUT info ARGS inspect --input extra.csv --max-bad-fraction 0.5 --json)
json(skipped "${info}" skipped)
json(line "${info}" skipped_examples 0 line)
json(reason "${info}" skipped_examples 0 reason)
expect_equal("${skipped}:${line}" "1:3" "the row with 5 fields")
expect_contains("${reason}" "5 fields, but the header has 4")
run(EXIT 2 ERR err ARGS inspect --input extra.csv)
expect_contains("${err}" "line 3: 5 fields, but the header has 4")
run(EXIT 0 OUT info ARGS inspect --input extra.csv --columns user,item,rating,timestamp --json)
json(skipped "${info}" skipped)
expect_equal("${skipped}" "0" "extra fields with --columns by position")

# 6. An output that is the same file as an input (by device and inode: a hard link too, or a part file of an
#    input directory) is refused, before any work, and left as it was.
run(EXIT 1 ERR err ARGS train --input ratings.csv --output ratings.csv ${small})
expect_contains("${err}" "ratings.csv: is the same file as the input ratings.csv")
file(CREATE_LINK "${WORK}/ratings.csv" "${WORK}/hard.csv")
run(EXIT 1 ERR err ARGS train --input ratings.csv --output hard.csv ${small})
expect_contains("${err}" "is the same file as the input")
file(MAKE_DIRECTORY "${WORK}/parts")
file(COPY_FILE "${WORK}/ratings.csv" "${WORK}/parts/part-0.csv")
run(EXIT 1 ERR err ARGS train --input parts --output parts/part-0.csv ${small})
expect_contains("${err}" "parts/part-0.csv")
run(EXIT 1 ERR err ARGS recommend --model model.alsr --all -o model.alsr)
run(EXIT 1 ERR err ARGS generate --users 5 --items 20 --interactions 25 --output same.csv --items-output same.csv)
expect_contains("${err}" "is also the command's other output")
expect_unchanged("${WORK}/ratings.csv" "${ratings_hash}" "the input after train --output <input>")
expect_unchanged("${WORK}/model.alsr" "${model_hash}" "the model after recommend -o <model>")

# 7. Temporary files: tests/cli/safety_signals.sh (SIGINT, SIGTERM, SIGKILL during a run).

# 8. The output is checked before the input is read or anything trained: the message names the output.
run(EXIT 2 ERR err ARGS train --input does-not-exist.csv --output no-such-dir/model.alsr ${small})
expect_contains("${err}" "no-such-dir/model.alsr: cannot write into directory no-such-dir")
run(EXIT 2 ERR err ARGS generate --users 5 --items 20 --interactions 25 --output no-such-dir/r.csv)
expect_contains("${err}" "no-such-dir/r.csv")
#    (The model is written as it is serialised, 1 MiB at a time: tests/core/test_model_io.cpp "[memory]".)

# 9. Exit codes as the README states them.
#    A confidence that is not finite comes from the data (a huge value times alpha): bad input, 2.
file(WRITE "${WORK}/huge-value.csv" "user,item,rating\nu1,i1,3e38\nu2,i2,4\nu3,i1,2\n")
run(EXIT 2 ERR err ARGS train --input huge-value.csv --output never.alsr --confidence implicit --values raw --alpha 100)
expect_contains("${err}" "is not finite")
#    An overflow is named by its ids, not by dense indices.
file(WRITE "${WORK}/overflow.csv" "user,item,rating\nu1,i1,4\nu7,i9,3e38\nu7,i9,3e38\n")
run(EXIT 2 ERR err ARGS train --input overflow.csv --output never.alsr --duplicates sum)
expect_contains("${err}" "the ratings of user 'u7' for item 'i9' add up to more than a float holds")
#    --iterations 0 would write an untrained model: refused (usage), nothing written.
run(EXIT 1 ERR err ARGS train --input ratings.csv --output never.alsr --iterations 0)
expect_contains("${err}" "--iterations 0 would write an untrained model")
if(EXISTS "${WORK}/never.alsr")
  message(FATAL_ERROR "a refused train wrote never.alsr")
endif()
#    (A model with a non-finite factor: tests/core/test_model_io.cpp; MPI messages: tests/cli/mpi_errors.cmake.)

# The file is synced before it is renamed into place, and its directory after (strace, when installed).
find_program(STRACE strace)
if(STRACE)
  # (LeakSanitizer cannot run under ptrace: off for this run in the sanitizer build)
  execute_process(COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=0
                          "${STRACE}" -f -e trace=fsync,rename,renameat,renameat2 -o "${WORK}/trace.txt"
                          "${ALSREC}" train --input ratings.csv --output synced.alsr ${small}
                  RESULT_VARIABLE rc WORKING_DIRECTORY "${WORK}")
  expect_equal("${rc}" "0" "train under strace")
  file(STRINGS "${WORK}/trace.txt" calls REGEX "(fsync|rename)")
  set(order "")
  foreach(call IN LISTS calls)
    string(REGEX MATCH "(fsync|renameat2|renameat|rename)\\(" name "${call}")
    if(name)
      string(APPEND order "${name} ")
    endif()
  endforeach()
  string(REGEX MATCH "fsync\\( rename[a-z0-9]*\\( fsync\\( $" ok "${order}")
  if(NOT ok)
    message(FATAL_ERROR "expected fsync, rename, fsync (file, rename, directory); strace saw: ${order}")
  endif()
else()
  message(STATUS "strace not installed: the fsync order is not checked")
endif()

# A replaced file keeps its permissions; a new one gets 0666 & ~umask (the temporary file is 0600 until then).
run_command(EXIT 0 COMMAND bash -c "chmod 640 model.alsr")
run(EXIT 0 ARGS train --input ratings.csv --output model.alsr ${small})
string(CONCAT fresh "umask 027 && \"$A\" train --input ratings.csv --output fresh.alsr ${small_text} >/dev/null && "
                    "stat -c %a model.alsr fresh.alsr")
run_command(EXIT 0 OUT modes COMMAND bash -c "${fresh}")
expect_equal("${modes}" "640\n640\n" "modes of a replaced and a new model")

# Nothing of the above left a temporary file behind.
file(GLOB_RECURSE leftovers "${WORK}/.*alsrec-tmp*")
expect_equal("${leftovers}" "" "temporary files left")
