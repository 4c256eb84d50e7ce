# Bad input never crashes: exit 2 with a message naming the file and line; a failed run never replaces good output.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)

# Missing file.
run(EXIT 2 ERR err ARGS inspect --input does-not-exist.csv)
expect_contains("${err}" "does-not-exist.csv")

# Binary file (control bytes; CMake strings cannot hold NUL).
string(ASCII 1 2 3 4 5 6 7 8 14 15 16 17 18 19 20 21 22 23 24 25 control)
file(WRITE "${WORK}/binary.csv" "PK")
foreach(i RANGE 200)
  file(APPEND "${WORK}/binary.csv" "${control}")
endforeach()
run(EXIT 2 ERR err ARGS inspect --input binary.csv)
expect_contains("${err}" "binary.csv")
expect_contains("${err}" "binary")

# A good file to train a model from.
file(WRITE "${WORK}/good.csv" "user,item,rating\n")
foreach(u RANGE 1 40)
  foreach(i RANGE 1 12)
    math(EXPR keep "(${u} * 7 + ${i} * 3) % 4")
    if(keep EQUAL 0)
      file(APPEND "${WORK}/good.csv" "u${u},i${i},4\n")
    endif()
  endforeach()
  file(APPEND "${WORK}/good.csv" "u${u},i13,5\n")
endforeach()
run(EXIT 0 ARGS train --input good.csv --output model.alsr --factors 4 --iterations 3)
file(SHA256 "${WORK}/model.alsr" good_hash)

# Too many bad rows (> 5%): exit 2, file and line named; the existing model is left alone.
file(WRITE "${WORK}/bad.csv" "user,item,rating\nu1,i1,4\nu2,i2,abc\nu3,i3,5\nu4,,3\nu5,i5,NaN\nu6,i6\n")
run(EXIT 2 ERR err ARGS train --input bad.csv --output model.alsr)
expect_contains("${err}" "bad.csv")
expect_contains("${err}" "line 3")
file(SHA256 "${WORK}/model.alsr" after_hash)
expect_equal("${after_hash}" "${good_hash}" "model file after a failed train")

# Under --max-bad-fraction 1 the same file loads, reporting each skipped line with its reason.
run(EXIT 0 OUT info ARGS inspect --input bad.csv --max-bad-fraction 1 --json)
json(skipped "${info}" skipped)
expect_equal("${skipped}" "4" "skipped rows")
json(line0 "${info}" skipped_examples 0 line)
json(line1 "${info}" skipped_examples 1 line)
json(line2 "${info}" skipped_examples 2 line)
json(line3 "${info}" skipped_examples 3 line)
expect_equal("${line0};${line1};${line2};${line3}" "3;5;6;7" "skipped line numbers")
json(reason "${info}" skipped_examples 0 reason)
expect_contains("${reason}" "abc")

# --strict stops at the first bad row.
run(EXIT 2 ERR err ARGS inspect --input bad.csv --strict --max-bad-fraction 1)
expect_contains("${err}" "line 3")

# No usable rows.
file(WRITE "${WORK}/empty.csv" "user,item,rating\n\n\n")
run(EXIT 2 ERR err ARGS inspect --input empty.csv)
expect_contains("${err}" "empty.csv")

# Bad parameters are usage errors (1) with the reason.
run(EXIT 1 ERR err ARGS train --input good.csv --output other.alsr --factors 0)
expect_contains("${err}" "factors")
run(EXIT 1 ERR err ARGS evaluate --input good.csv --split temporal:1.5)
expect_contains("${err}" "1.5")
run(EXIT 1 ERR err ARGS train --input good.csv --output other.alsr --solver magic)
if(EXISTS "${WORK}/other.alsr")
  message(FATAL_ERROR "a failed run wrote other.alsr")
endif()

# A corrupted or truncated model file is refused, saying why (coreutils truncate/dd make the damage).
file(SIZE "${WORK}/model.alsr" size)
math(EXPR half "${size} / 2")
math(EXPR middle "${size} / 2 + 3")
file(COPY_FILE "${WORK}/model.alsr" "${WORK}/truncated.alsr")
execute_process(COMMAND truncate -s ${half} "${WORK}/truncated.alsr" RESULT_VARIABLE rc)
expect_equal("${rc}" "0" "truncate")
run(EXIT 2 ERR err ARGS recommend --model truncated.alsr --user u1)
expect_contains("${err}" "truncated.alsr")
expect_contains("${err}" "truncated")

file(COPY_FILE "${WORK}/model.alsr" "${WORK}/flipped.alsr")
file(WRITE "${WORK}/junk.bin" "Z")
execute_process(COMMAND dd if=${WORK}/junk.bin of=${WORK}/flipped.alsr bs=1 seek=${middle} conv=notrunc status=none
                RESULT_VARIABLE rc)
expect_equal("${rc}" "0" "dd")
run(EXIT 2 ERR err ARGS recommend --model flipped.alsr --user u1)
expect_contains("${err}" "checksum")

run(EXIT 2 ERR err ARGS recommend --model does-not-exist.alsr --user u1)
file(WRITE "${WORK}/notamodel.alsr" "hello, this is not a model file at all, but long enough to have a header")
run(EXIT 2 ERR err ARGS recommend --model notamodel.alsr --user u1)
expect_contains("${err}" "notamodel.alsr")
expect_contains("${err}" "magic")

# The untouched model still works.
run(EXIT 0 OUT recs ARGS recommend --model model.alsr --user u1 -n 3 --json)
json_length(n "${recs}" items)
expect_equal("${n}" "3" "recommendations from the intact model")
