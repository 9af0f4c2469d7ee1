# On-demand Verilation (src/cosim/rtl_build.cc): a configuration that is not
# prebuilt is Verilated once into the cache, co-simulates, and the next run
# loads it from the cache; a cache that cannot be created is a clear error.
#   cmake -DSASIM=... -DSHARED=... -DCACHE=... -DWORK=... -P rtl_on_demand.cmake
file(REMOVE_RECURSE "${CACHE}" "${WORK}")
set(shape --set array.rows=3 --set array.cols=4 --set array.dataflow=os --set buffers.a.size_bytes=96)
set(cases "${SHARED}/vectors/synthetic__01_conv2d" "${SHARED}/vectors/synthetic__04_fully_connected")
set(ENV{SASIM_CACHE_DIR} "${CACHE}")

execute_process(COMMAND ${SASIM} cosim ${shape} --out "${WORK}" ${cases}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT err MATCHES "no prebuilt RTL for 3x4 os im2col eltwise, A/B/C 24/[0-9]+/[0-9]+ lines per bank, weight store [0-9]+ lines: Verilating it once"
   OR NOT out MATCHES "MATCH synthetic__01_conv2d.*MATCH synthetic__04_fully_connected.*2 passed, 0 failed")
  message(FATAL_ERROR "[first run] exit ${rc}\n${out}\n${err}")
endif()

execute_process(COMMAND ${SASIM} check --engine rtl ${shape} ${cases}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR err MATCHES "Verilating" OR NOT out MATCHES "2 passed, 0 failed")
  message(FATAL_ERROR "[cached run] exit ${rc}: want the cached model, no rebuild\n${out}\n${err}")
endif()

file(WRITE "${WORK}/not_a_dir" "x")
set(ENV{SASIM_CACHE_DIR} "${WORK}/not_a_dir/cache")
execute_process(COMMAND ${SASIM} cosim ${shape} --out "${WORK}" ${cases}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 1 OR NOT err MATCHES "cannot create .*not_a_dir/cache")
  message(FATAL_ERROR "[no cache] exit ${rc}: want 1 and the folder named\n${out}\n${err}")
endif()
message(STATUS "on-demand RTL: built, co-simulated, reused from the cache; a bad cache folder is named")
