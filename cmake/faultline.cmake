# faultline_add_check: register a protocol check as a CTest test.
#
#   include(path/to/faultline/cmake/faultline.cmake)
#   faultline_add_check(NAME ticket_lock_check
#                       SOURCES ticket_lock_test.cc
#                       [LIBRARIES my_protocol_lib] [TIMEOUT 120])
#
# Builds a GoogleTest binary from SOURCES linked with faultline's core, its
# test API (harness/testing.h: matchers, fault plans with RapidCheck) and
# gtest_main, and registers every test in it with CTest (label "faultline"),
# so `ctest` in the user's project runs the property checks in CI. Traces of
# counterexamples go to <build dir>/faultline-traces (FAULTLINE_TRACE_DIR).
# Needs the targets faultline_core (add_subdirectory of faultline), GTest and
# rapidcheck (find_package), as in faultline's own build.
include_guard(GLOBAL)
include(GoogleTest)

function(faultline_add_check)
  cmake_parse_arguments(FL "" "NAME;TIMEOUT" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT FL_NAME OR NOT FL_SOURCES)
    message(FATAL_ERROR "faultline_add_check: NAME and SOURCES are required")
  endif()
  if(NOT FL_TIMEOUT)
    set(FL_TIMEOUT 300)
  endif()
  add_executable(${FL_NAME} ${FL_SOURCES})
  target_link_libraries(${FL_NAME} PRIVATE faultline_core ${FL_LIBRARIES}
                        GTest::gtest_main GTest::gmock rapidcheck rapidcheck_gtest)
  set(trace_dir ${CMAKE_CURRENT_BINARY_DIR}/faultline-traces)
  gtest_discover_tests(${FL_NAME} DISCOVERY_TIMEOUT 60
                       PROPERTIES LABELS faultline TIMEOUT ${FL_TIMEOUT}
                       ENVIRONMENT "FAULTLINE_TRACE_DIR=${trace_dir}")
endfunction()
