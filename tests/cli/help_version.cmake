# Every command answers --help (exit 0, naming its flags) and --version; unknown flags are usage errors (exit 1).
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)

run(EXIT 0 OUT out ARGS --version)
expect_contains("${out}" "0.1.0")
run(EXIT 0 OUT out ARGS --help)
foreach(cmd inspect train evaluate recommend similar generate bench)
  expect_contains("${out}" "${cmd}")
endforeach()
expect_contains("${out}" "Exit codes")

foreach(cmd inspect train evaluate recommend similar generate bench)
  run(EXIT 0 OUT out ARGS ${cmd} --help)
  expect_contains("${out}" "--help")
  run(EXIT 0 OUT out ARGS ${cmd} --version)
  expect_contains("${out}" "alsrec 0.1.0")
endforeach()
run(EXIT 0 OUT out ARGS train --help)
foreach(flag --factors --regularization --alpha --confidence --iterations --solver --cg-steps --threads --seed
             --delimiter --columns --duplicates --min-rating --strict --max-bad-fraction)
  expect_contains("${out}" "${flag}")
endforeach()

run(EXIT 1 ERR err ARGS train --no-such-flag)
run(EXIT 1 ERR err ARGS)
run(EXIT 1 ERR err ARGS frobnicate)
