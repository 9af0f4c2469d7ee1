# The board driver's code placement (src/driver/placement.h): in the
# runner's driver object, the per-tile code (.text.sasim_hot) fits the 8 KiB
# direct-mapped I$, so that the tile loops never evict one another, and the
# per-band code (.text.sasim_band) comes right before it, so that where the
# sections together overrun the I$, the hot section's end meets per-band
# code. Without that split the hot section was 9.2 KB: its end wrapped onto
# the streaming loops at its start, and a 4-byte shift of the code before it
# moved ResNet-8's layer list by 7 % (776 k -> 830 k cycles).
# Arguments: -DOBJDUMP=... -DOBJ=<the driver object>.
execute_process(COMMAND ${OBJDUMP} -h ${OBJ} RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${OBJDUMP} -h ${OBJ} failed (${rc})")
endif()
set(order "")
foreach(name band fused hot warm)
  if(NOT out MATCHES "\n +([0-9]+) \\.text\\.sasim_${name} +([0-9a-f]+) ")
    message(FATAL_ERROR "${OBJ}: no .text.sasim_${name} section:\n${out}")
  endif()
  set(idx_${name} ${CMAKE_MATCH_1})
  math(EXPR size_${name} "0x${CMAKE_MATCH_2}")
endforeach()
if(size_hot GREATER 8192)
  message(FATAL_ERROR "the per-tile code (.text.sasim_hot) is ${size_hot} bytes, more than the 8 KiB I$")
endif()
if(NOT idx_band LESS idx_hot)
  message(FATAL_ERROR "the per-band code (.text.sasim_band) is not placed before the per-tile code:\n${out}")
endif()
message(STATUS "hot ${size_hot} bytes, band ${size_band}, fused ${size_fused}, warm ${size_warm}")
