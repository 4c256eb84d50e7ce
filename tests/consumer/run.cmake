# ctest case package.cmake_consumer: `cmake --install` this build into a fresh prefix, check what was installed
# (the public headers and nothing else, a package config that finds Eigen and leaks no build-only setting, a version
# check that refuses an incompatible request), then configure, build and run tests/consumer against it with
# find_package(alsrec). Arguments (-D): BUILD_DIR (alsrec's build tree), SOURCE_DIR (alsrec's source tree),
# WORK_DIR (scratch, emptied first), GENERATOR and CXX_COMPILER (the build's, for the consumer).
cmake_minimum_required(VERSION 3.22)
foreach(_var BUILD_DIR SOURCE_DIR WORK_DIR GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${_var})
    message(FATAL_ERROR "run.cmake: -D${_var}=... is required")
  endif()
endforeach()
set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _out)
  message("$ ${ARGN}\n${_out}")
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "failed (${_rc}): ${ARGN}")
  endif()
endfunction()

# The exact commands of README.md, "Use it from C++".
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})

# The CLI, the library, and under include/ exactly the public headers of core/include/alsrec.
foreach(_file bin/alsrec lib/libalsrec.a lib/cmake/alsrec/alsrecConfig.cmake lib/cmake/alsrec/alsrecConfigVersion.cmake
              lib/cmake/alsrec/alsrecTargets.cmake)
  if(NOT EXISTS ${prefix}/${_file})
    message(FATAL_ERROR "not installed: ${prefix}/${_file}")
  endif()
endforeach()
file(GLOB_RECURSE _installed RELATIVE ${prefix}/include ${prefix}/include/*)
file(GLOB _public RELATIVE ${SOURCE_DIR}/core/include ${SOURCE_DIR}/core/include/alsrec/*.h)
list(SORT _installed)
list(SORT _public)
if(NOT _installed STREQUAL _public)
  message(FATAL_ERROR "installed headers differ from core/include/alsrec/*.h:\n  installed: ${_installed}\n  public: ${_public}")
endif()
# Public headers include only the standard library and each other: a header of core/src (private, not installed)
# or of a third-party library (Eigen) would break a consumer's build.
foreach(_header IN LISTS _installed)
  file(STRINGS ${prefix}/include/${_header} _includes REGEX "^[ \t]*#[ \t]*include")
  foreach(_line IN LISTS _includes)
    if(_line MATCHES "#[ \t]*include[ \t]*\"([^\"]+)\"")
      if(NOT CMAKE_MATCH_1 IN_LIST _installed)
        message(FATAL_ERROR "${_header} includes a header that is not installed: ${_line}")
      endif()
    elseif(NOT _line MATCHES "#[ \t]*include[ \t]*<[a-z_]+>")
      message(FATAL_ERROR "${_header} includes something private or foreign: ${_line}")
    endif()
  endforeach()
endforeach()
# The exported target carries neither this tree's warning/arch flags nor its build paths; Eigen, a private
# dependency of the static library, is found by the package config (find_dependency) rather than hard-coded.
file(READ ${prefix}/lib/cmake/alsrec/alsrecTargets.cmake _targets)
if(_targets MATCHES "alsrec_flags|march|Wpedantic|${SOURCE_DIR}|${BUILD_DIR}")
  message(FATAL_ERROR "alsrecTargets.cmake leaks a build-only setting:\n${_targets}")
endif()
file(READ ${prefix}/lib/cmake/alsrec/alsrecConfig.cmake _config)
if(NOT _config MATCHES "find_dependency\\(Eigen3")
  message(FATAL_ERROR "alsrecConfig.cmake does not find_dependency(Eigen3), which alsrec::core links")
endif()

# The version file refuses 1.0 and 0.2 (0.x: minor versions are incompatible); the consumer asks for 0.1.
file(WRITE ${WORK_DIR}/version_check/CMakeLists.txt
  "cmake_minimum_required(VERSION 3.22)\nproject(version_check LANGUAGES NONE)\n"
  "foreach(_v 1.0 0.2)\n  find_package(alsrec \${_v} QUIET)\n  if(alsrec_FOUND)\n"
  "    message(FATAL_ERROR \"alsrec accepted for \${_v}\")\n  endif()\nendforeach()\n")
run(${CMAKE_COMMAND} -S ${WORK_DIR}/version_check -B ${WORK_DIR}/version_check/build -DCMAKE_PREFIX_PATH=${prefix})

# CMAKE_CXX_STANDARD=14: alsrec::core itself must raise it to the C++17 its headers need (GCC defaults to 17).
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer -B ${WORK_DIR}/build -G ${GENERATOR}
    -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_STANDARD=14
    -DCMAKE_PREFIX_PATH=${prefix})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${WORK_DIR}/build/genre_fans)
