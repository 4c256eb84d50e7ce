# The pipeline refactor changed no output: with every model parameter given, today's JSON has every key (timings
# aside) of the outputs written before it (tests/cli/golden, see its README), equal to the last digit, and the
# generated ratings and the model file are byte-identical. -DEXACT=OFF (sanitizer builds, whose unoptimised float
# sums differ in the last digits from the optimised build that wrote the goldens): every old key is present and the
# commands succeed, floats and the model's bytes are not compared.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
set(golden ${CMAKE_CURRENT_LIST_DIR}/golden)

run(EXIT 0 ARGS generate --users 300 --items 200 --interactions 8000 --seed 3 --output r.csv)
file(STRINGS ${golden}/expected.md5 sums)
list(GET sums 0 ratings_line)
list(GET sums 1 model_line)
string(REPLACE "ratings " "" ratings_md5 "${ratings_line}")
string(REPLACE "model " "" model_md5 "${model_line}")
file(MD5 ${WORK}/r.csv got)
expect_equal("${got}" "${ratings_md5}" "generated ratings file")

set(m --factors 16 --iterations 6 --threads 2)
set(ials "--confidence ials --values raw --unobserved-weight 0.5 --regularization 0.01 --reg-exponent 1")
set(cases
    "inspect|inspect --input r.csv --json"
    "evaluate_implicit|evaluate --input r.csv --split temporal:0.2 --confidence implicit --values binary --alpha 1 --regularization 0.1 --reg-exponent 0"
    "evaluate_ials|evaluate --input r.csv --split random:0.2 ${ials}"
    "evaluate_explicit|evaluate --input r.csv --split random:0.2 --confidence explicit --values raw --regularization 0.1 --reg-exponent 1 --biases"
    "train_ials|train --input r.csv --output m.alsr ${ials}"
    "recommend|recommend --model m.alsr --user 7 -n 5 --json"
    "similar|similar --model m.alsr --item 12 -n 5 --json")

# strip(out json): drops the keys whose values are wall times.
function(strip out text)
  foreach(key fit_seconds seconds)
    string(JSON text ERROR_VARIABLE ignored REMOVE "${text}" ${key})
  endforeach()
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

foreach(c IN LISTS cases)
  string(REPLACE "|" ";" parts "${c}")
  list(GET parts 0 name)
  list(GET parts 1 command)
  separate_arguments(args UNIX_COMMAND "${command}")
  if(name MATCHES "^(evaluate|train)")
    list(APPEND args ${m} --json)
  endif()
  run(EXIT 0 OUT out ARGS ${args})
  file(READ ${golden}/${name}.json expected)
  strip(expected "${expected}")
  strip(out "${out}")
  # Keys the old output did not have (the data profile, notes) are allowed; every old key must be equal.
  string(JSON n LENGTH "${out}")
  math(EXPR last "${n} - 1")
  set(keys "")
  foreach(i RANGE ${last})
    string(JSON key MEMBER "${out}" ${i})
    list(APPEND keys "${key}")
  endforeach()
  foreach(key IN LISTS keys)
    string(JSON has ERROR_VARIABLE missing GET "${expected}" ${key})
    if(missing)
      string(JSON out REMOVE "${out}" ${key})
    endif()
  endforeach()
  if(NOT EXACT)
    string(JSON n_out LENGTH "${out}")
    string(JSON n_expected LENGTH "${expected}")
    expect_equal("${n_out}" "${n_expected}" "${name}: the old keys")
    continue()
  endif()
  string(JSON same EQUAL "${expected}" "${out}")
  if(NOT same)
    message(FATAL_ERROR "${name}: output differs from tests/cli/golden/${name}.json\nexpected:\n${expected}\ngot:\n${out}")
  endif()
endforeach()
if(EXACT)
  file(MD5 ${WORK}/m.alsr got)
  expect_equal("${got}" "${model_md5}" "model file")
endif()
