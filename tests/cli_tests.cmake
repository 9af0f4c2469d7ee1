# Command-line behaviour of the real `sasim` binary: exit codes (0 ok,
# 1 mismatch, 2 usage/config error), the check report format, and messages
# that name the offending file or key. Run by ctest as `cmake -P`.
#   -DSASIM=<binary> -DSHARED=<../shared> -DSRC=<source dir> -DWORK=<scratch dir>

set(failures 0)

# expect(<name> <exit code> <regex that stdout+stderr must match> ARGS ...)
function(expect name code regex)
  cmake_parse_arguments(E "" "" "ARGS" ${ARGN})
  execute_process(COMMAND ${SASIM} ${E_ARGS} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(all "${out}${err}")
  if(NOT rc EQUAL code)
    message(SEND_ERROR "[${name}] exit ${rc}, want ${code}\n${all}")
  elseif(NOT all MATCHES "${regex}")
    message(SEND_ERROR "[${name}] output does not match /${regex}/:\n${all}")
  else()
    message(STATUS "ok ${name}")
  endif()
endfunction()

file(GLOB cases LIST_DIRECTORIES true "${SHARED}/vectors/*")
list(LENGTH cases n)
if(n LESS 24)
  message(FATAL_ERROR "expected the shared vectors at ${SHARED}/vectors")
endif()

# The acceptance command, glob included (its README.md is skipped, not an error).
expect(all_vectors_golden 0 "\n24 passed, 0 failed\n" ARGS check --engine golden ${cases})
expect(pass_line 0 "^PASS synthetic__01_conv2d\n1 passed, 0 failed\n$" ARGS check "${SHARED}/vectors/synthetic__01_conv2d")

# Configuration errors: exit 2 with the key and the reason.
expect(set_rows_zero 2 "--set array.rows=0: array.rows: 0 is out of range \\[1, 64\\]"
       ARGS check --set array.rows=0 "${SHARED}/vectors/synthetic__01_conv2d")
expect(set_dataflow_xs 2 "array.dataflow: 'xs' is not one of: ws, os"
       ARGS check --set array.dataflow=xs "${SHARED}/vectors/synthetic__01_conv2d")
expect(set_no_equals 2 "expected KEY.PATH=VALUE"
       ARGS check --set array.rows "${SHARED}/vectors/synthetic__01_conv2d")
expect(missing_hw 2 "nope.yaml: cannot open hardware config: No such file"
       ARGS check --hw "${WORK}/nope.yaml" "${SHARED}/vectors/synthetic__01_conv2d")
expect(bad_hw_file 2 "hw_misspelled_key.yaml:2:3: array.rowz: unknown key \\(did you mean 'rows'\\?\\)"
       ARGS check --hw "${SRC}/tests/bad_configs/hw_misspelled_key.yaml" "${SHARED}/vectors/synthetic__01_conv2d")
expect(unknown_engine 2 "unknown engine 'quantum'"
       ARGS check --engine quantum "${SHARED}/vectors/synthetic__01_conv2d")
expect(no_args 2 "" ARGS)
expect(only_files 2 "no case directory among them" ARGS check "${SHARED}/vectors/README.md")
expect(missing_case 2 "does_not_exist/case.yaml: cannot read case"
       ARGS check "${WORK}/does_not_exist")

# Cases built from a real one in the scratch dir (never in the source tree).
set(src_case "${SHARED}/vectors/synthetic__01_conv2d")
file(REMOVE_RECURSE "${WORK}")
foreach(v corrupt short_input bad_op)
  file(MAKE_DIRECTORY "${WORK}/${v}")
  file(COPY "${src_case}/" DESTINATION "${WORK}/${v}" NO_SOURCE_PERMISSIONS)
endforeach()

# Flip one output byte (element 3 of [1,6,10,11]: index [0,0,0,3]): a mismatch, exit 1.
file(READ "${src_case}/output.bin" hex HEX)
string(SUBSTRING "${hex}" 6 2 byte)
if(byte STREQUAL "05")
  set(newbyte "06")
else()
  set(newbyte "05")
endif()
string(SUBSTRING "${hex}" 0 6 head)
string(SUBSTRING "${hex}" 8 -1 tail)
set(hex "${head}${newbyte}${tail}")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" esc "${hex}")
file(REMOVE "${WORK}/corrupt/output.bin")
execute_process(COMMAND printf "${esc}" OUTPUT_FILE "${WORK}/corrupt/output.bin")
math(EXPR want_int "0x${byte}")
if(want_int GREATER 127)
  math(EXPR want_int "${want_int} - 256")
endif()
math(EXPR got_int "0x${newbyte}")
expect(mismatch 1 "FAIL corrupt: 1/660 elements differ, first at \\[0,0,0,3\\] got ${want_int} want ${got_int}\n0 passed, 1 failed"
       ARGS check "${WORK}/corrupt")

# Truncated input.bin: a shape mismatch naming the file, exit 2; the good case
# given alongside is still reported.
file(READ "${src_case}/input.bin" hex HEX)
string(SUBSTRING "${hex}" 0 200 hex)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" esc "${hex}")
file(REMOVE "${WORK}/short_input/input.bin")
execute_process(COMMAND printf "${esc}" OUTPUT_FILE "${WORK}/short_input/input.bin")
expect(short_input 2 "short_input/input.bin: holds 100 bytes but case.yaml input_shape needs 780"
       ARGS check "${WORK}/short_input" "${src_case}")
expect(short_input_others_run 2 "PASS synthetic__01_conv2d\n1 passed, 0 failed"
       ARGS check "${WORK}/short_input" "${src_case}")

file(READ "${WORK}/bad_op/case.yaml" y)
string(REPLACE "op: conv2d" "op: conv3d" y "${y}")
file(WRITE "${WORK}/bad_op/case.yaml" "${y}")
expect(unknown_op 2 "bad_op/case.yaml:2:5: op: 'conv3d' is not one of"
       ARGS check "${WORK}/bad_op")

# ---- the systemc engine and sasim run -----------------------------------------
expect(systemc_nonsquare_os 0 "^PASS synthetic__03_depthwise_conv2d cycles=[0-9]+\n1 passed, 0 failed\n$"
       ARGS check --engine systemc --set array.rows=3 --set array.cols=5 --set array.dataflow=os
            "${SHARED}/vectors/synthetic__03_depthwise_conv2d")
expect(buffer_too_small 2 "buffers.c.size_bytes: 128 bytes cannot hold one tile line"
       ARGS check --engine systemc --set array.cols=64 --set buffers.c.size_bytes=128
            "${SHARED}/vectors/synthetic__01_conv2d")

# A small model (real-shaped layers, seeded weights) written to the scratch dir
# (the co-simulation tests below use it too).
file(COPY "${SRC}/tests/data/tiny.yaml" DESTINATION "${WORK}")
expect(run_tiny 0 "c1 +conv2d.*yes im2col\n.*d1 +depthwise_conv2d.*yes view\n.*total"
       ARGS run --model "${WORK}/tiny.yaml" --out "${WORK}/run_tiny" --set array.rows=4 --set array.cols=4)
foreach(f layers.csv report.json hw.resolved.yaml)
  if(NOT EXISTS "${WORK}/run_tiny/${f}")
    message(SEND_ERROR "[run_tiny] ${f} not written")
  endif()
endforeach()
file(READ "${WORK}/run_tiny/report.json" report)
string(JSON total GET "${report}" total cycles)
string(JSON l0 GET "${report}" layers 0 cycles)
string(JSON l1 GET "${report}" layers 1 cycles)
math(EXPR sum "${l0} + ${l1}")
if(NOT total EQUAL sum OR total LESS 100)
  message(SEND_ERROR "[run_tiny] total.cycles ${total} != sum of layers ${sum}")
endif()
file(STRINGS "${WORK}/run_tiny/layers.csv" csv_lines)
list(LENGTH csv_lines n_csv)
if(NOT n_csv EQUAL 3)
  message(SEND_ERROR "[run_tiny] layers.csv has ${n_csv} lines, want 3")
endif()
file(READ "${WORK}/run_tiny/hw.resolved.yaml" resolved)
if(NOT resolved MATCHES "rows: 4\n  cols: 4\n  dataflow: ws")
  message(SEND_ERROR "[run_tiny] resolved config lacks the overrides:\n${resolved}")
endif()

expect(run_vcd 0 "trace.vcd" ARGS run --model "${WORK}/tiny.yaml" --out "${WORK}/run_vcd" --trace vcd)
file(READ "${WORK}/run_vcd/trace.vcd" vcd LIMIT 20000)
if(NOT vcd MATCHES "cmd_valid" OR NOT vcd MATCHES "scope module array [$]end\n[^\n]* busy "
   OR NOT vcd MATCHES "enddefinitions")
  message(SEND_ERROR "[run_vcd] the VCD lacks the bus or array signals")
endif()
expect(run_timeline 0 "timeline.json" ARGS run --model "${WORK}/tiny.yaml" --out "${WORK}/run_tl" --trace timeline)
file(READ "${WORK}/run_tl/timeline.json" tl)
string(JSON n_events LENGTH "${tl}" traceEvents)
if(n_events LESS 10 OR NOT tl MATCHES "\"name\":\"pass 1\"" OR NOT tl MATCHES "\"name\":\"active PEs\""
   OR NOT tl MATCHES "\"name\":\"c1\"")
  message(SEND_ERROR "[run_timeline] the timeline lacks layer spans, pass spans or PE counters (${n_events} events)")
endif()

expect(run_missing_model 2 "nope.yaml: cannot open model config" ARGS run --model "${WORK}/nope.yaml")
expect(run_bad_rows 2 "array.rows: 0 is out of range" ARGS run --model "${WORK}/tiny.yaml" --set array.rows=0 --out "${WORK}/run_bad")
if(EXISTS "${WORK}/run_bad")
  message(SEND_ERROR "[run_bad_rows] a bad config still created the output directory")
endif()
expect(run_bad_trace 2 "trace" ARGS run --model "${WORK}/tiny.yaml" --trace png)

# ---- co-simulation and the rtl engine (only when the RTL was Verilated) -------
if(HAVE_RTL)
  # Every vector with the fixed-gap host (the RTL is clocked every cycle: the
  # CPU model's driver would take minutes here), a few on the CPU model.
  expect(cosim_all_vectors_4x4_os 0 "MATCH synthetic__03_depthwise_conv2d cycles=[0-9]+\n.*\n24 passed, 0 failed\n"
         ARGS cosim --cpu gap --set array.rows=4 --set array.cols=4 --set array.dataflow=os --out "${WORK}/cosim" ${cases})
  expect(cosim_cpu_model 0 "MATCH synthetic__04_fully_connected cycles=[0-9]+\nMATCH resnet8__14_fully_connected cycles=[0-9]+\n2 passed, 0 failed\n"
         ARGS cosim --set array.rows=4 --set array.cols=4 --out "${WORK}/cosim"
              "${SHARED}/vectors/synthetic__04_fully_connected" "${SHARED}/vectors/resnet8__14_fully_connected")
  expect(cosim_model 0 "MATCH tiny/c1 cycles=[0-9]+\nMATCH tiny/d1 cycles=[0-9]+\n2 passed, 0 failed"
         ARGS cosim --set array.rows=2 --set array.cols=3 --model "${WORK}/tiny.yaml" --out "${WORK}/cosim")
  # Shapes that are not prebuilt are Verilated on demand: tests/rtl_on_demand.cmake.
  expect(check_engine_rtl 0 "PASS synthetic__02_conv2d cycles=[0-9]+\n1 passed, 0 failed"
         ARGS check --engine rtl --set array.rows=3 --set array.cols=2 --set array.dataflow=os
              "${SHARED}/vectors/synthetic__02_conv2d")
endif()

# The three timed paths report the same cycles for a case, whatever ran before
# it: the SystemC engine (after another case), the RTL engine, and cosim.
if(HAVE_RTL)
  set(cfg --set array.rows=8 --set array.cols=8 --set array.dataflow=os)
  set(c2 "${SHARED}/vectors/synthetic__02_conv2d")
  execute_process(COMMAND ${SASIM} check --engine systemc ${cfg} "${SHARED}/vectors/synthetic__04_fully_connected" "${c2}"
                  OUTPUT_VARIABLE o1)
  execute_process(COMMAND ${SASIM} check --engine rtl ${cfg} "${c2}" OUTPUT_VARIABLE o2)
  execute_process(COMMAND ${SASIM} cosim ${cfg} --out "${WORK}/cosim" "${c2}" OUTPUT_VARIABLE o3)
  string(REGEX MATCH "PASS synthetic__02_conv2d cycles=([0-9]+)" _ "${o1}")
  set(n1 "${CMAKE_MATCH_1}")
  string(REGEX MATCH "PASS synthetic__02_conv2d cycles=([0-9]+)" _ "${o2}")
  set(n2 "${CMAKE_MATCH_1}")
  string(REGEX MATCH "MATCH synthetic__02_conv2d cycles=([0-9]+)" _ "${o3}")
  set(n3 "${CMAKE_MATCH_1}")
  if(n1 STREQUAL "" OR NOT n1 STREQUAL n2 OR NOT n1 STREQUAL n3)
    message(SEND_ERROR "[same_cycles] systemc '${n1}', rtl '${n2}', cosim '${n3}'")
  else()
    message(STATUS "ok same_cycles ${n1}")
  endif()
endif()

# The SystemC checker can fail: a one-bit fault injected into the RTL's 31st
# response is reported at that instruction, with a waveform, exit 1.
if(HAVE_RTL)
  set(ENV{SASIM_COSIM_INJECT_FAULT} 30)
  expect(cosim_injected_fault 1
         "MISMATCH synthetic__04_fully_connected: cycle [0-9]+, instruction 30, layer synthetic__04_fully_connected, tile [0-9]+: rsp_payload_outputs_0 model 0x[0-9a-f]+ rtl 0x[0-9a-f]+; waveform [^\n]*_mismatch.vcd\n0 passed, 1 failed"
         ARGS cosim --set array.rows=4 --set array.cols=4 --out "${WORK}/cosim_fault"
              "${SHARED}/vectors/synthetic__04_fully_connected")
  unset(ENV{SASIM_COSIM_INJECT_FAULT})
  if(NOT EXISTS "${WORK}/cosim_fault/synthetic__04_fully_connected_mismatch.vcd")
    message(SEND_ERROR "[cosim_injected_fault] no mismatch waveform")
  endif()
endif()

# ---- the board's CPU: sasim exec, --cpu ---------------------------------------
set(ref "${SHARED}/board-reference")
set(ideal --set cpu.memory.model=fixed --set cpu.memory.read_first=1 --set cpu.memory.read_beat=1 --set cpu.memory.write=1)
# The reference core's result words and cycles, printed last.
expect(exec_reference 0 "result words: 0;259;643\nexit code 0 after 1452 cycles\n"
       ARGS exec ${ideal} "${ref}/elf/micro/nop_256.elf")
# The fixed model's documented DDR point (24/2/3).
expect(exec_ddr_fixed 0 "result words: 0;259;1603\nexit code 0 after 2838 cycles\n"
       ARGS exec "${ref}/elf/micro/nop_256.elf" --set cpu.memory.model=fixed)
# The default is the board's memory path: the numbers of
# ../shared/memory-reference/reference-litex.csv (a CPU-only program: the
# same on every core).
expect(exec_board_default 0 "result words: 0;259;1943\nexit code 0 after 3517 cycles\n.*memory board: L2 8 KiB, nexys_a7 DDR2"
       ARGS exec "${ref}/elf/micro/nop_256.elf")
# F19: on the 2021 core the fork is modelled (the checksum shows the CFU's error bit) and warned about with its pc.
# (At the fixed model's documented point; on the board's path it is
# cfu_read_next that forks, twice: ../shared/memory-reference/README.md.)
expect(exec_fork_warning 0 "result words: 16912391;21;106\n.*warning: CfuPlugin fork \\(F19\\) at pc 0x400000d8"
       ARGS exec "${ref}/elf/micro/cfu_fork_after_stores.elf" --set cpu.variant=perf+cfu-2021 --set cpu.memory.model=fixed)
# Ctrl-C and limits: exec stops at the next slice of 20 M cycles with what it
# has and exit 130; --max-cycles must be a number of cycles; a whole network
# stops after the operator in flight, writes the operators done and no output
# tensor; an --out that is a file is refused before anything is simulated.
set(ENV{SASIM_TEST_SIGINT_AFTER_LAYERS} 0)
expect(exec_interrupted 130 "result words: \n.*interrupted at cycle [0-9]+ \\(pc 0x40000000\\)"
       ARGS exec "${ref}/elf/micro/nop_256.elf")
set(ENV{SASIM_TEST_SIGINT_AFTER_LAYERS} 2)
expect(run_tflite_interrupted 130 "^sasim run: [^\n]*\n[^\n]*\n +0 [^\n]*\n +1 [^\n]*\ninterrupted after operator 2 of 13: wrote .*no output tensor"
       ARGS run --model "${SHARED}/models/kws_ref_model.tflite" --out "${WORK}/tflite_interrupted")
unset(ENV{SASIM_TEST_SIGINT_AFTER_LAYERS})
if(EXISTS "${WORK}/tflite_interrupted/output.bin" OR NOT EXISTS "${WORK}/tflite_interrupted/report.json")
  message(SEND_ERROR "[run_tflite_interrupted] want report.json and no output.bin")
endif()
expect(exec_max_cycles_negative 2 "--max-cycles: -1 is not a number of cycles"
       ARGS exec "${ref}/elf/micro/nop_256.elf" --max-cycles -1)
expect(exec_cycle_limit_names_insn 1 "\\(instruction 0x00000013\\) in cycle [0-9]+: cycle limit 1000 reached"
       ARGS exec "${ref}/elf/micro/nop_256.elf" --max-cycles 1000)
# ---- sasim board: the SoC test firmware (tests/firmware/soc_app) ---------------
# (execute_process turns the firmware's \r\n into \n.) Functional output exact; cycle figures within the bounds their mechanism
# sets: the timer command counts 50,000 cycles down and then takes one
# interrupt (entry, handler, mret) and the reads of mcycle around it: under
# 1,000 cycles more, its handler's lines refilled from DDR when cold (the
# firmware's layout decides how many: 597 and 637 measured).
set(app_csr "${SRC}/tests/firmware/soc_app/csr.json")
expect(board_menu 0 "Hello from the sasim SoC test firmware!\nmain> 1\ncfu id sum 3894370112\n[0-9]+ cycles total\nmain> 2\nchecksum 2351534749\n[0-9]+ cycles total\nmain> t\ntimer event\n50[0-9][0-9][0-9] cycles total\nmain> q\n.*ended: main returned in cycle [0-9]+ \\(the loop at 0x4[0-9a-f]+\\); the UART sent its last character"
       ARGS board "${SOC_APP}" --csr-json "${app_csr}" --uart-in "12tq")
# wfi (docs/cpu-model.md): the timer's countdown waited in wfi with
# interrupts off, then taken with them on; a wfi nothing can wake stops.
expect(board_wfi 0 "timer event after wfi\n50[0-9][0-9][0-9] cycles total\n.*\\(interlock: [0-9]+ cycles waiting in wfi\\)"
       ARGS board "${SOC_APP}" --csr-json "${app_csr}" --uart-in "wq")
expect(board_wfi_forever 1 "the cycle limit 3000000 was reached at pc 0x4[0-9a-f]+ in main \\(instruction 0x10500073\\): a wfi waits for an interrupt that does not come by the cycle limit 3000000 \\(mie.MEIE 1, mask 0xBC0 = 0x0\\)"
       ARGS board "${SOC_APP}" --csr-json "${app_csr}" --uart-in "z" --max-cycles 3000000)
expect(board_until 0 "checksum 2351534749\n[0-9]+ cycles total.*ended: the UART printed \"cycles total\""
       ARGS board "${SOC_APP}" --csr-json "${app_csr}" --uart-in "2\\w{100000}1" --until "cycles total")
expect(board_finish 0 "bye\n.*ended: the firmware wrote sim_finish_finish in cycle [0-9]+"
       ARGS board "${SOC_APP}" --csr-json "${app_csr}" --uart-in "f")
expect(board_unmodelled_register 1 "stopped at pc 0x4[0-9a-f]+ in main \\(instruction 0x[0-9a-f]+\\) in cycle [0-9]+: store to 0xf0003000: unmodelled_thing_reg \\([^)]*csr.json\\), which the board model does not model"
       ARGS board "${SOC_APP}" --csr-json "${app_csr}" --uart-in "u")
expect(board_trap 1 "stopped at pc 0x4[0-9a-f]+ in main \\(instruction 0xffffffff\\).*an illegal instruction \\(instruction 0xffffffff, mcause 2, mtval 0xffffffff\\): the board would enter the trap handler at mtvec 0x40000004"
       ARGS board "${SOC_APP}" --csr-json "${app_csr}" --uart-in "x")
expect(board_null_store 1 "in main \\(instruction 0x[0-9a-f]+\\) in cycle [0-9]+: store to 0x00000000, in the SoC's rom \\(0x00000000, 128 KiB, [^)]*csr.json memories.rom\\), which the board model does not model \\(a null pointer\\?\\)"
       ARGS board "${SOC_APP}" --csr-json "${app_csr}" --uart-in "n")
expect(board_idle_end 0 "checksum 2351534749\n[0-9]+ cycles total\nmain> \n.*ended: the firmware took all of --uart-in and printed nothing more for [0-9]+ cycles \\(from cycle [0-9]+\\): it waits for input"
       ARGS board "${SOC_APP}" --csr-json "${app_csr}" --uart-in "2" --idle-cycles 1000000)
expect(board_waits_for_input 1 "main> \n.*the cycle limit 3000000 was reached at pc 0x4[0-9a-f]+ in uart_read"
       ARGS board "${SOC_APP}" --csr-json "${app_csr}" --max-cycles 3000000)
expect(board_uart_in_escape 2 "--uart-in: '1\\\\q': unknown escape"
       ARGS board "${SOC_APP}" --csr-json "${app_csr}" --uart-in "1\\q")
# --out: the firmware's TFLite-Micro-format profile parsed into profile.csv
# (ticks as printed, cycles = ticks x 1024), per-function cycles, report.json,
# the UART's text, and with --trace the Perfetto timeline.
file(REMOVE_RECURSE "${WORK}/board_out")
expect(board_out 0 "wrote [^\n]*board_out/report.json, functions.csv, profile.csv \\(4 rows\\), uart.txt, timeline.json"
       ARGS board "${SOC_APP}" --csr-json "${app_csr}" --uart-in "ppq" --out "${WORK}/board_out" --trace timeline)
file(READ "${WORK}/board_out/uart.txt" uart)
file(READ "${WORK}/board_out/profile.csv" prof)
file(READ "${WORK}/board_out/report.json" rep)
file(READ "${WORK}/board_out/timeline.json" tl)
string(REGEX MATCH "\n0,CPU_LOOP,([0-9]+)\r?\n" m "${uart}")
set(ticks "${CMAKE_MATCH_1}")
math(EXPR cyc "${ticks} * 1024")
if(NOT prof MATCHES "^inference,event,tag,ticks,cycles\n1,0,\"CPU_LOOP\",${ticks},${cyc}\n1,1,\"CFU_LOOP\",[0-9]+,[0-9]+\n2,0,\"CPU_LOOP\"")
  message(SEND_ERROR "[board_out_profile] profile.csv does not hold the printed profile (CPU_LOOP ${ticks} ticks):\n${prof}")
elseif(NOT rep MATCHES "\"firmware_cycles_total\": \\[\n +[0-9]+,\n +[0-9]+\n +\\]" OR NOT rep MATCHES "\"uart_isr\"" OR NOT rep MATCHES "\"cfu_cmd\": [1-9]")
  message(SEND_ERROR "[board_out_report] report.json lacks the firmware's totals, the functions or the classes:\n${rep}")
elseif(NOT tl MATCHES "^{\"displayTimeUnit\".*\"traceEvents\".*\"name\":\"uart_isr\"")
  message(SEND_ERROR "[board_out_timeline] timeline.json has no uart_isr span")
# The CFU bus (soc::CfuMonitor): the two profiles' loops are 2 x 1000 ID
# commands, each answered the cycle after it was taken.
elseif(NOT rep MATCHES "\"cfu_bus\": {\n +\"array\": {" OR
       NOT rep MATCHES "\"cmd_wait_cycles\": 0,\n +\"commands\": 2000,\n +\"funct3\": 0,\n +\"funct7\": 1,\n +\"latency_cycles\": 2000,\n +\"mean_latency\": 1.0,\n +\"name\": \"ID \\(0,1\\)\"")
  message(SEND_ERROR "[board_out_cfu_bus] report.json's cfu_bus lacks the 2000 ID commands:\n${rep}")
else()
  message(STATUS "ok board_out (profile, report, timeline)")
endif()
# On the timeline the ID commands are spans of consecutive commands (a new
# span where one waited more than 16 cycles, such as behind the loop's
# first I$ miss): 2000 commands in all, in a few spans.
string(REGEX MATCHALL "\"name\":\"ID \\(0,1\\)( x[0-9]+)?\",\"ph\":\"X\",\"pid\":1,\"tid\":3" id_spans "${tl}")
set(id_cmds 0)
foreach(sp ${id_spans})
  if(sp MATCHES " x([0-9]+)\"")
    math(EXPR id_cmds "${id_cmds} + ${CMAKE_MATCH_1}")
  else()
    math(EXPR id_cmds "${id_cmds} + 1")
  endif()
endforeach()
list(LENGTH id_spans n_spans)
if(NOT id_cmds EQUAL 2000 OR n_spans GREATER 6)
  message(SEND_ERROR "[board_out_cfu_timeline] ${id_cmds} ID commands in ${n_spans} timeline spans, not 2000 in a few")
endif()
# The layer runner's layers inside the firmware (menu key l, layers.cc: the
# runner's driver objects, the layers sasim export-cfu --selftest-case wrote,
# three of them real ones from ../shared/vectors): every output bit-exact,
# and each layer's cycles beside sasim's estimate of the same call, on the
# fixed memory model (the build's export too). Same driver code, same CPU
# model, the D$ emptied as the runner's is: what remains is where the
# linker put the code (the I$; measured -2.4 % .. +11 % per layer, +2.1 %
# over all six); the bounds: 15 % per layer, 5 % over all.
execute_process(COMMAND ${SASIM} board "${SOC_APP}" --csr-json "${app_csr}" --uart-in "lq" --set cpu.memory.model=fixed
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(REGEX MATCHALL "\n[a-z0-9_]+: [0-9]+ cycles \\(sasim [0-9]+\\), [^\n]*" rows "${out}")
list(LENGTH rows nrows)
set(fw_sum 0)
set(est_sum 0)
set(bad "")
foreach(r ${rows})
  string(REGEX MATCH "^\n([a-z0-9_]+): ([0-9]+) cycles \\(sasim ([0-9]+)\\), (.*)$" m "${r}")
  set(name "${CMAKE_MATCH_1}")
  set(fw "${CMAKE_MATCH_2}")
  set(est "${CMAKE_MATCH_3}")
  if(NOT CMAKE_MATCH_4 STREQUAL "bit-exact")
    string(APPEND bad " ${name}: ${CMAKE_MATCH_4};")
  endif()
  math(EXPR diff "${fw} - ${est}")
  if(diff LESS 0)
    math(EXPR diff "-${diff}")
  endif()
  math(EXPR lhs "${diff} * 100")
  math(EXPR rhs "${est} * 15")
  if(lhs GREATER rhs)
    string(APPEND bad " ${name}: ${fw} cycles against sasim's ${est};")
  endif()
  math(EXPR fw_sum "${fw_sum} + ${fw}")
  math(EXPR est_sum "${est_sum} + ${est}")
endforeach()
math(EXPR diff "${fw_sum} - ${est_sum}")
if(diff LESS 0)
  math(EXPR diff "-${diff}")
endif()
math(EXPR lhs "${diff} * 100")
math(EXPR rhs "${est_sum} * 5")
if(NOT rc EQUAL 0 OR NOT nrows EQUAL 6 OR NOT out MATCHES "\nresnet8__01_conv2d: .*\ndscnn_kws__01_depthwise_conv2d: .*\nresnet8__14_fully_connected: .*\nlayers: 6 bit-exact, 0 failed\n")
  message(SEND_ERROR "[board_layers] exit ${rc}, ${nrows} layer rows:\n${out}${err}")
elseif(NOT bad STREQUAL "" OR lhs GREATER rhs)
  message(SEND_ERROR "[board_layers]${bad} all six: ${fw_sum} cycles against sasim's ${est_sum}\n${out}")
else()
  message(STATUS "ok board_layers (${fw_sum} cycles in the firmware, ${est_sum} by sasim's estimate)")
endif()
# --model: the firmware's last profiled inference against sasim run of the
# model, operator by operator. The firmware echoes a profile the test types
# (menu key e), built from sasim run's own per-operator cycles of DS-CNN plus
# 6,000 each (TensorFlow Lite Micro's time, rounded down to ticks), with
# AVERAGE_POOL_2D at 10 ticks: faster than sasim run, which is flagged.
execute_process(COMMAND ${SASIM} run --model "${SHARED}/models/kws_ref_model.tflite" --out "${WORK}/kws_run"
                RESULT_VARIABLE rc OUTPUT_VARIABLE run_out ERROR_VARIABLE err)
string(REGEX MATCHALL "\n +[0-9]+ [A-Z_0-9]+ +[0-9x]+ +[a-z+]+ +[0-9]+" op_rows "${run_out}")
string(REGEX MATCH "\ntotal: ([0-9]+) cycles" m "${run_out}")
set(run_total "${CMAKE_MATCH_1}")
set(typed "e\"Event\",\"Tag\",\"Ticks\"\n")
set(fw_sum 0)
set(i 0)
foreach(r ${op_rows})
  string(REGEX MATCH "([A-Z_0-9]+) +[0-9x]+ +[a-z+]+ +([0-9]+)$" m "${r}")
  set(op "${CMAKE_MATCH_1}")
  math(EXPR ticks "(${CMAKE_MATCH_2} + 6000) / 1024")
  if(op STREQUAL "AVERAGE_POOL_2D")
    set(pool_run "${CMAKE_MATCH_2}")
    set(ticks 10)
  endif()
  math(EXPR fw_sum "${fw_sum} + ${ticks} * 1024")
  string(APPEND typed "${i},${op},${ticks}\n")
  math(EXPR i "${i} + 1")
endforeach()
string(APPEND typed "end\nq")
file(WRITE "${WORK}/profile_typed.txt" "${typed}")
math(EXPR d "${fw_sum} - ${run_total}")
math(EXPR pool_less "${pool_run} - 10240")
file(REMOVE_RECURSE "${WORK}/board_cmp")
expect(board_model_compare 0 "the firmware's profile \\(inference 1\\) against sasim run of kws_ref_model.tflite.*\n +8 CONV_2D +[0-9]+ +[0-9]+ +\\+[0-9]+\n.*\n +total +${fw_sum} +${run_total} +\\+${d} .*note: operator 9 AVERAGE_POOL_2D took 10240 cycles in the firmware, ${pool_less} fewer than sasim run.*wrote [^\n]*compare.csv"
       ARGS board "${SOC_APP}" --csr-json "${app_csr}" --uart-in "@${WORK}/profile_typed.txt"
            --model "${SHARED}/models/kws_ref_model.tflite" --out "${WORK}/board_cmp")
if(NOT i EQUAL 13 OR NOT EXISTS "${WORK}/board_cmp/compare.csv")
  message(SEND_ERROR "[board_model_compare] ${i} operators in sasim run's table, or no compare.csv")
else()
  file(STRINGS "${WORK}/board_cmp/compare.csv" cmp_lines)
  list(LENGTH cmp_lines n)
  if(NOT n EQUAL 14)
    message(SEND_ERROR "[board_model_compare] compare.csv has ${n} lines, not a header and 13 operators")
  endif()
endif()
expect(board_model_other 0 "--model kws_ref_model.tflite: the firmware's profile \\(inference 1: 2 operators, CPU_LOOP CFU_LOOP\\) is not this model's 13 operators in order: no comparison"
       ARGS board "${SOC_APP}" --csr-json "${app_csr}" --uart-in "pq" --model "${SHARED}/models/kws_ref_model.tflite")
expect(board_model_missing 2 "nope.tflite" ARGS board "${SOC_APP}" --csr-json "${app_csr}" --uart-in "q"
       --model "${WORK}/nope.tflite")
expect(board_trace_needs_out 2 "--trace: needs --out DIR"
       ARGS board "${SOC_APP}" --csr-json "${app_csr}" --trace timeline)

# The CFU on the board: sasim's RTL gives what the model gives; a user's
# cfu.v (tests/firmware/user_cfu: a SIMD MAC with an `include`d module) is
# Verilated on demand and agrees with the firmware's software; a command it
# never answers is reported; Verilog errors are shown.
if(HAVE_RTL)
  set(ENV{SASIM_CACHE_DIR} "${WORK}/rtl_cache")
  # The same program, the same cycles, on the model and on the Verilated RTL.
  foreach(cfu model rtl)
    execute_process(COMMAND ${SASIM} board "${SOC_APP}" --csr-json "${app_csr}" --uart-in "1q" --cfu ${cfu}
                    RESULT_VARIABLE rc OUTPUT_VARIABLE out_${cfu} ERROR_VARIABLE err)
    if(NOT rc EQUAL 0 OR NOT out_${cfu} MATCHES "cfu id sum 3894370112\n([0-9]+) cycles total\n")
      message(SEND_ERROR "[board_cfu_${cfu}] exit ${rc}:\n${out_${cfu}}${err}")
    endif()
    set(cycles_${cfu} "${CMAKE_MATCH_1}")
  endforeach()
  if(NOT cycles_model STREQUAL cycles_rtl OR cycles_model STREQUAL "")
    message(SEND_ERROR "[board_cfu_rtl] the CFU loop took ${cycles_model} cycles on the model, ${cycles_rtl} on the RTL")
  else()
    message(STATUS "ok board_cfu_rtl (${cycles_rtl} cycles on both)")
  endif()
  expect(board_user_cfu 0 "simd mac cfu 4294926570 software 4294926570\n.*CFU bus: 65 commands taken, 65 cycles with a command outstanding.*ended: main returned"
         ARGS board "${SOC_APP}" --csr-json "${app_csr}" --uart-in "mq" --cfu "${SRC}/tests/firmware/user_cfu/cfu.v"
              --out "${WORK}/board_user_cfu")
  # A user's CFU: function ids without sasim's command names.
  file(READ "${WORK}/board_user_cfu/report.json" urep)
  if(NOT urep MATCHES "\"commands\": 64,\n +\"funct3\": 1,\n +\"funct7\": 0,\n[^}]*\"name\": \"\\(1,0\\)\"" OR urep MATCHES "\"array\"")
    message(SEND_ERROR "[board_user_cfu_bus] report.json's cfu_bus:\n${urep}")
  endif()
  expect(board_user_cfu_hangs 1 "in main \\(instruction 0x[0-9a-f]+\\) in cycle [0-9]+: CFU instruction with function id 7 \\(funct7 0, funct3 7\\): the CFU took the command and has not answered \\(rsp_valid = 0\\) for 100000 cycles"
         ARGS board "${SOC_APP}" --csr-json "${app_csr}" --uart-in "h" --cfu "${SRC}/tests/firmware/user_cfu/cfu.v" --cfu-timeout 100000)
  file(MAKE_DIRECTORY "${WORK}/broken_cfu")
  file(WRITE "${WORK}/broken_cfu/cfu.v" "module Cfu(input clk);\n  wire x = ;\nendmodule\n")
  expect(board_user_cfu_broken 2 "broken_cfu/cfu.v: verilator failed for .*broken_cfu/cfu.v \\(log: [^)]*\\)\n  %Error: [^\n]*cfu.v:2"
         ARGS board "${SOC_APP}" --csr-json "${app_csr}" --uart-in "1" --cfu "${WORK}/broken_cfu/cfu.v")
  unset(ENV{SASIM_CACHE_DIR})
endif()
# The CPU comes from csr.json (LiteX's config_cpu_human_name: CFU
# Playground's --cpu-variant perf+cfu or the default full+cfu); a core sasim
# does not model is refused unless --set cpu.variant chooses one.
file(READ "${app_csr}" app_csr_text)
string(REPLACE "vexriscv_perfcfu" "VexRiscv_FullCfu" full_csr "${app_csr_text}")
file(WRITE "${WORK}/csr_full.json" "${full_csr}")
expect(board_cpu_full 0 "checksum 2351534749\n.*on the VexRiscv full\\+cfu model as csr.json's config_cpu_human_name VexRiscv_FullCfu says"
       ARGS board "${SOC_APP}" --csr-json "${WORK}/csr_full.json" --uart-in "2q")
string(REPLACE "vexriscv_perfcfu" "VexRiscv_SlimPerfCfu" slim_csr "${app_csr_text}")
file(WRITE "${WORK}/csr_slim.json" "${slim_csr}")
expect(board_cpu_unknown 2 "csr_slim.json:38:[0-9]+: constants.config_cpu_human_name: 'VexRiscv_SlimPerfCfu': a CPU sasim does not model"
       ARGS board "${SOC_APP}" --csr-json "${WORK}/csr_slim.json" --uart-in "q")
expect(board_cpu_chosen 0 "on the VexRiscv perf\\+cfu model \\(memory"
       ARGS board "${SOC_APP}" --csr-json "${WORK}/csr_slim.json" --uart-in "q" --set cpu.variant=perf+cfu)
expect(board_cpu_override 0 "warning: [^\n]*csr.json says the SoC's CPU is vexriscv_perfcfu \\(config_cpu_human_name\\); --set cpu.variant=full\\+cfu runs the firmware on full\\+cfu"
       ARGS board "${SOC_APP}" --csr-json "${app_csr}" --uart-in "q" --set cpu.variant=full+cfu)
file(WRITE "${WORK}/bad_csr.json" "{\n  \"csr_registers\": {\n    \"uart_rxtx\": {\"addr\": 4026531840, \"size\": 1,}\n  }\n}\n")
expect(board_csr_json_syntax 2 "bad_csr.json:3:[0-9]+: not valid JSON"
       ARGS board "${SOC_APP}" --csr-json "${WORK}/bad_csr.json")
file(WRITE "${WORK}/csr_badaddr.json" "{\n  \"csr_registers\": {\n    \"uart_rxtx\": {\"addr\": 4096, \"size\": 1, \"type\": \"rw\"}\n  }\n}\n")
expect(board_csr_json_address 2 "csr_badaddr.json:3:[0-9]+: csr_registers.uart_rxtx.addr: not a word address in the uncached I/O region"
       ARGS board "${SOC_APP}" --csr-json "${WORK}/csr_badaddr.json")
expect(board_csr_json_missing 2 "nope.json: cannot open the file"
       ARGS board "${SOC_APP}" --csr-json "${WORK}/nope.json")

file(WRITE "${WORK}/out_is_a_file" "")
expect(run_tflite_out_is_file 2 "^[^\n]*out_is_a_file: output path exists and is not a directory\n$"
       ARGS run --model "${SHARED}/models/kws_ref_model.tflite" --out "${WORK}/out_is_a_file")

# --cold-layers boots every layer on a fresh board, as check does (the
# numbers of the SoC simulation of the design, layer by layer: conv0's
# cycles, its weights in the CFU's store, cold, are mostly the first fetch
# of the runner's code, so its layout moves them: 87,648 for the runner
# image of 2026-12-06, where that simulation measured 87,759 (-0.13 %);
# 92,802 for the paired layers' image; 88,437 for the one whose shipped
# code is compiled with CFU Playground's flags and linked in its order;
# 89,402 with the band sender's word form for 16- and 32-byte lines;
# 90,427 when it also streamed prepared B tiles; 91,984 with the readback
# of two-lane lines by halfwords; 90,706 for this one, whose streamed tiles
# go by rows on wide arrays: not simulated again; 91,013 once the driver is
# its parts joined into one translation unit, the code laid out anew;
# 92,669 with the im2col path on arrays taller than wide; 93,878 with the
# group size computed once per layer; 95,286 with the tall arrays'
# depthwise tiles built by words; 88,774 with the os tile form's driver;
# 91,227 with resident groups by rows on arrays that are not square;
# 88,779 with the readback's pairs for 1-, 4- and 8-word lines; 92,649
# with A_FILL, the streamed passes' loop in the hot section and the byte
# writers' WRITEs guarded),
# and the memory classes are split by cause on the board's memory path.
# A network whose prepared weights exceed the exported bridge's default
# preparation store (256 KiB: ad01's fully connected layers take 272 KiB)
# gets a store sized for it, as export-cfu --model writes into the
# project's Makefile: no layer runs from its raw filter; said in the run's
# summary. (This was DS-CNN on 2 x 32, whose B_COLS lines were mostly
# padding, 388 KiB: pw3, pw4 and the classifier had run from their raw
# filters, 11.5 M cycles each for the pointwise layers against pw1's
# 0.25 M. Its groups now go by rows, docs/microarchitecture.md, and fit.)
expect(run_prepared_store 0 "\n +9 FULLY_CONNECTED +1x640 +cfu +[0-9]+ [^\n]* im2col\n.*prepared weights: the bridge's preparation store sized for this network, 272 KiB and 64 layers"
       ARGS run --model "${SHARED}/models/ad01_int8.tflite" --out "${WORK}/raw_weights")
file(READ "${WORK}/raw_weights/layers.csv" raw_csv)
if(NOT raw_csv MATCHES "\n9,1x640,cfu,[^\n]*,im2col,,0\n" OR NOT raw_csv MATCHES "\n0,1x128,cfu,[^\n]*,im2col,,0\n")
  message(SEND_ERROR "[run_prepared_store_csv] layers.csv's raw_weights:\n${raw_csv}")
endif()
expect(run_cold_layers 0 "conv0 +conv2d +95841 .*\nmemory: layer +class +L2 hit +bus wait +row hit +row miss +dirty wb +refresh +core\n"
       ARGS run --model "${SRC}/models/resnet8.yaml" --cold-layers --out "${WORK}/cold_layers")
expect(exec_fork_warning_board 0 "result words: 1313556292;50;149\nexit code 0 after 1899 cycles\n.*fork \\(F19\\) at pc 0x4000007c.*fork \\(F19\\) at pc 0x4000007c"
       ARGS exec "${ref}/elf/micro/cfu_read_next.elf" --set cpu.variant=perf+cfu-2021 --set array.im2col=false --set array.eltwise=false --set array.read_prefetch=false)
# F20: on the 2021 core a CFU instruction right behind a load that misses the
# D$ sends its command twice. The driver streamed DS-CNN's depthwise weights
# (a WRITE_B right behind the last of eight loads) and ResNet-8's RGB input
# (a WRITE_A one instruction behind a load) so; the runner built that way
# computes those layers wrong, warned with the pcs (the 2021 core's RTL gives
# the same wrong bytes); the 2022 core and today's driver (the loads guarded)
# are bit-exact.
set(ENV{SASIM_RUNNER_ELF} "${UNGUARDED_RUNNER}")
expect(replay_2021_unguarded 1 "FAIL dscnn_kws__01_depthwise_conv2d: [0-9]+/8000 elements differ.*CFU command\\(s\\) sent twice.*CFU instruction at pc 0x[0-9a-f]+ behind the redone load at pc 0x[0-9a-f]+"
       ARGS check --engine systemc --set cpu.variant=perf+cfu-2021 "${SHARED}/vectors/dscnn_kws__01_depthwise_conv2d")
expect(replay_2021_unguarded_rgb 1 "FAIL resnet8__00_conv2d: [0-9]+/16384 elements differ.*CFU command\\(s\\) sent twice"
       ARGS check --engine systemc --set cpu.variant=perf+cfu-2021 "${SHARED}/vectors/resnet8__00_conv2d")
expect(replay_2022_unguarded 0 "PASS dscnn_kws__01_depthwise_conv2d"
       ARGS check --engine systemc "${SHARED}/vectors/dscnn_kws__01_depthwise_conv2d")
if(HAVE_RTL)
  # The Verilated RTL gets the command twice too, in lock step with the model.
  expect(replay_2021_unguarded_cosim 1 "model and RTL agree every cycle, but [0-9]+/8000 outputs differ"
         ARGS cosim --set cpu.variant=perf+cfu-2021 "${SHARED}/vectors/dscnn_kws__01_depthwise_conv2d")
endif()
unset(ENV{SASIM_RUNNER_ELF})
expect(replay_2021_guarded 0 "^PASS dscnn_kws__01_depthwise_conv2d cycles=[0-9]+\n1 passed, 0 failed\n$"
       ARGS check --engine systemc --set cpu.variant=perf+cfu-2021 "${SHARED}/vectors/dscnn_kws__01_depthwise_conv2d")
# On the board's memory path stores that hit the L2 take 2 cycles, the
# latency at which the 2021 core forks (F19, ../shared/memory-reference):
# today's driver neither forks nor replays on any layer case there (no
# warning at all on stderr), and every layer is bit-exact.
expect(hazards_2021_board 0 "^(PASS [^\n]*\n)+24 passed, 0 failed\nnote: skipping [^\n]*README.md: a file, not a case directory\n$"
       ARGS check --engine systemc --set cpu.variant=perf+cfu-2021 ${cases})
# main_ram follows cpu.memory.ram_bytes (Nexys A7: 128 MiB by default): ResNet-18's
# first layer (963,776 bytes of tensors) runs, bit-exact; a 1 MiB board has no
# room for it beside the runner's program region.
expect(ram_resnet18_conv1 0 "conv1 +conv2d .* yes [a-z0-9]+\n"
       ARGS run --model "${SRC}/tests/data/resnet18_conv1.yaml" --out "${WORK}/r18")
expect(ram_too_small 2 "conv1: its tensors need 963776 bytes on the board; the layer runner's arena holds 0 \\(main_ram is 1 MiB, cpu.memory.ram_bytes\\)"
       ARGS run --model "${SRC}/tests/data/resnet18_conv1.yaml" --set cpu.memory.ram_bytes=1048576 --out "${WORK}/r18s")
expect(ram_not_64k 2 "--set cpu.memory.ram_bytes=1048577: cpu.memory.ram_bytes: 1048577 is not a multiple of 64 KiB"
       ARGS exec "${ref}/elf/micro/nop_256.elf" --set cpu.memory.ram_bytes=1048577)
# The users' 2022 core (the default) does not fork; its CFU instruction waits behind the store instead.
expect(exec_no_fork_2022 0 "result words: 16781319;24;110\nexit code 0 after [0-9]+ cycles\n.*VexRiscv perf\\+cfu model"
       ARGS exec "${ref}/elf/micro/cfu_fork_after_stores.elf" --set cpu.memory.model=fixed)
expect(exec_bad_variant 2 "cpu.variant.*'perf\\+cfu-2023' is not one of: perf\\+cfu, full\\+cfu, perf\\+cfu-2021"
       ARGS exec "${ref}/elf/micro/nop_256.elf" --set cpu.variant=perf+cfu-2023)
expect(exec_max_cycles 1 "stopped at pc 0x[0-9a-f]+ in [a-z_]+ \\(instruction 0x[0-9a-f]+\\) in cycle [0-9]+: cycle limit 500 reached"
       ARGS exec --max-cycles 500 "${ref}/elf/micro/nop_256.elf")
expect(exec_directory 2 "board-reference: is a directory, not an ELF program" ARGS exec "${ref}")
expect(exec_not_elf 2 "reference.csv: not an ELF file" ARGS exec "${ref}/reference.csv")
expect(exec_missing 2 "nope.elf: cannot open: No such file" ARGS exec "${WORK}/nope.elf")
expect(exec_bad_cpu_key 2 "cpu.memory.read_first: 0 is out of range"
       ARGS exec --set cpu.memory.read_first=0 "${ref}/elf/micro/nop_256.elf")
expect(exec_cache_not_pow2 2 "cpu.icache_bytes: 3000 is not a power of two"
       ARGS exec --set cpu.icache_bytes=3000 "${ref}/elf/micro/nop_256.elf")
# The im2col path's fallbacks with a small A bank (depthwise bands per group,
# layers whose window does not fit), on the board estimate.
expect(im2col_small_a_bank 0 "24 passed, 0 failed"
       ARGS check --engine systemc --set buffers.a.size_bytes=512 ${cases})
# --cpu gap reproduces the fixed-gap numbers of before the CPU model exactly
# on the CFU of before the im2col extension and the prefetching
# post-processor (array.im2col=false, array.read_prefetch=false).
expect(cpu_gap_numbers 0 "PASS synthetic__01_conv2d cycles=3546\nPASS resnet8__14_fully_connected cycles=1433\n"
       ARGS check --engine systemc --cpu gap --set array.im2col=false --set array.eltwise=false --set array.read_prefetch=false
            "${SHARED}/vectors/synthetic__01_conv2d"
            "${SHARED}/vectors/resnet8__14_fully_connected")
expect(cpu_bad_name 2 "--cpu: .*not in" ARGS check --engine systemc --cpu arm "${SHARED}/vectors/synthetic__01_conv2d")
# The default is the board estimate, and run says so.
expect(run_cpu_model 0 "board estimate, the driver on the VexRiscv perf\\+cfu CPU model.*CPU: layer +retired"
       ARGS run --model "${WORK}/tiny.yaml" --out "${WORK}/run_cpu")

# ---- what a new user types (issue: messages) ----------------------------------
expect(unknown_command 2 "unknown command 'chek' \\(did you mean 'check'\\?\\); commands: check, run" ARGS chek)
expect(help_lists_commands 0 "SUBCOMMAND.*check.*exec" ARGS help)
expect(help_command 0 "Usage: run \\[OPTIONS\\]" ARGS help run)
expect(help_unknown_command 2 "sasim help: unknown command 'rnu'" ARGS help rnu)
expect(version 0 "^sasim [0-9]+\\.[0-9]+\\.[0-9]+ \\(git [0-9a-f]+(-dirty)?\\)\n$" ARGS --version)
expect(unknown_option 2 "sasim run: unknown option '--modle' \\(did you mean '--model'\\?\\)" ARGS run --modle x)
expect(run_report_version 0 "wrote" ARGS run --cpu gap --model "${WORK}/tiny.yaml" --out "${WORK}/run_version")
# A configuration that does not fit the board runs, with a warning naming what is over.
expect(run_fit_warning 0 "warning: 16x16 ws: the CFU does not fit the XC7A100T next to the SoC \\(DSP48E1 321 > 236;.*--set array.rows=16\\)"
       ARGS run --cpu gap --set array.rows=16 --set array.cols=16 --model "${WORK}/tiny.yaml" --out "${WORK}/run_fit")
file(READ "${WORK}/run_version/report.json" report_text)
if(NOT report_text MATCHES "\"sasim_version\": \"[0-9]+\\.[0-9]+\\.[0-9]+ \\(git ")
  message(SEND_ERROR "[run_report_version] report.json has no sasim_version")
endif()
# Say what a wrong file is.
expect(hw_is_directory 2 "configs: is a directory, not a hardware config"
       ARGS check --hw "${SRC}/configs" "${SHARED}/vectors/synthetic__01_conv2d")
string(ASCII 7 1 ctrl)
file(WRITE "${WORK}/binary.yaml" "array:\n${ctrl}rows")
expect(hw_binary 2 "binary.yaml:2:0: not a text file \\(byte 0x07 at offset 7\\)"
       ARGS check --hw "${WORK}/binary.yaml" "${SHARED}/vectors/synthetic__01_conv2d")
expect(model_is_hw 2 "default.yaml:1:1: this looks like a hardware config.*did you mean --hw\\?"
       ARGS run --model "${SRC}/configs/default.yaml")
expect(hw_is_model 2 "resnet8.yaml:1:1: this looks like a model config.*did you mean --model\\?"
       ARGS check --hw "${SRC}/models/resnet8.yaml" "${SHARED}/vectors/synthetic__01_conv2d")
expect(hw_is_elf 2 "this is an ELF program, not a hardware config: run it with sasim exec"
       ARGS check --hw "${SHARED}/board-reference/elf/micro/nop_256.elf" "${SHARED}/vectors/synthetic__01_conv2d")
# A tensor file of the wrong size is refused before it is read: a 1 GiB
# sparse file under a 1 GiB address-space limit still gives the size error.
file(MAKE_DIRECTORY "${WORK}/bigbin")
execute_process(COMMAND truncate -s 1G "${WORK}/bigbin/w.bin")
file(READ "${SRC}/tests/data/tiny.yaml" tiny_text)
string(REPLACE "    weights: {seed: 2, bias: true}" "    weights: {filter_file: w.bin}" big_text "${tiny_text}")
file(WRITE "${WORK}/bigbin/model.yaml" "${big_text}")
execute_process(COMMAND sh -c "ulimit -v 1048576; exec \"$0\" run --cpu gap --model \"$1\" --out \"$2\""
                        ${SASIM} "${WORK}/bigbin/model.yaml" "${WORK}/bigbin/out"
                RESULT_VARIABLE rc OUTPUT_VARIABLE o ERROR_VARIABLE e)
if(NOT rc EQUAL 2 OR NOT "${o}${e}" MATCHES "w.bin: holds 1073741824 bytes, expected 135")
  message(SEND_ERROR "[bin_size_first] exit ${rc}: ${o}${e}")
else()
  message(STATUS "ok bin_size_first")
endif()
# Errors caused by a --set name it, whatever file the rest came from.
expect(set_blamed_over_file 2 "^--set buffers.d.size_bytes=4096: buffers.d: unknown key"
       ARGS check --hw "${SRC}/configs/default.yaml" --set buffers.d.size_bytes=4096 "${SHARED}/vectors/synthetic__01_conv2d")
expect(set_blamed_new_section 2 "^--set foo.bar=1: foo: unknown key" ARGS check --set foo.bar=1 "${SHARED}/vectors/synthetic__01_conv2d")
expect(set_did_you_mean 2 "--set cpu.memry.write=2: cpu.memry: unknown key \\(did you mean 'memory'\\?\\)"
       ARGS check --set cpu.memry.write=2 "${SHARED}/vectors/synthetic__01_conv2d")
# --out is checked before simulating; stale traces of an earlier run go.
file(WRITE "${WORK}/a_file" "x")
expect(run_out_is_file 2 "a_file: output path exists and is not a directory"
       ARGS run --model "${WORK}/tiny.yaml" --out "${WORK}/a_file")
expect(run_with_vcd 0 "trace.vcd" ARGS run --cpu gap --model "${WORK}/tiny.yaml" --out "${WORK}/stale" --trace vcd)
expect(run_without_trace 0 "wrote" ARGS run --cpu gap --model "${WORK}/tiny.yaml" --out "${WORK}/stale")
if(EXISTS "${WORK}/stale/trace.vcd")
  message(SEND_ERROR "[stale_trace] trace.vcd of the earlier run is still there")
endif()
# Ctrl-C: the layers done are written, the message says how far, exit 130
# (the test hook raises SIGINT after the first layer).
set(ENV{SASIM_TEST_SIGINT_AFTER_LAYERS} 1)
expect(run_interrupted 130 "interrupted after layer 1 of 2"
       ARGS run --model "${WORK}/tiny.yaml" --out "${WORK}/interrupted" --trace timeline)
unset(ENV{SASIM_TEST_SIGINT_AFTER_LAYERS})
file(STRINGS "${WORK}/interrupted/layers.csv" intr_lines)
list(LENGTH intr_lines intr_n)
if(NOT intr_n EQUAL 2)
  message(SEND_ERROR "[run_interrupted] layers.csv has ${intr_n} lines, want the header and one layer")
endif()
file(READ "${WORK}/interrupted/timeline.json" tl)
if(NOT tl MATCHES "traceEvents")
  message(SEND_ERROR "[run_interrupted] the timeline was not closed")
endif()
# Names: valid UTF-8 and no control characters (checked at parse time), CSV
# fields quoted, and a model name cannot send the output outside out/.
string(ASCII 255 bad_byte)
string(REPLACE "  - name: c1" "  - name: c${bad_byte}1" badname_text "${tiny_text}")
file(WRITE "${WORK}/badname.yaml" "${badname_text}")
expect(name_not_utf8 2 "badname.yaml:6:[0-9]+: layers\\[0\\].name: is not valid UTF-8 \\(byte 0xff at 1\\)"
       ARGS run --model "${WORK}/badname.yaml" --out "${WORK}/badname")
string(REPLACE "name: tiny" "name: ../../escaped" escape_text "${tiny_text}")
file(WRITE "${WORK}/escape.yaml" "${escape_text}")
expect(name_escapes_out 2 "escape.yaml:4:7: name: must be a plain name" ARGS run --model "${WORK}/escape.yaml")
string(REPLACE "  - name: c1" "  - name: \"c1, first\"" comma_text "${tiny_text}")
file(WRITE "${WORK}/comma.yaml" "${comma_text}")
expect(name_with_comma 0 "wrote" ARGS run --cpu gap --model "${WORK}/comma.yaml" --out "${WORK}/comma")
file(STRINGS "${WORK}/comma/layers.csv" comma_lines)
list(GET comma_lines 1 comma_row)
if(NOT comma_row MATCHES "^\"c1, first\",conv2d,")
  message(SEND_ERROR "[name_with_comma] row not quoted: ${comma_row}")
endif()
# A layer whose input follows from no earlier output is warned about, naming
# both layers (tiny's d1 is such a toy layer).
expect(shape_chain_warning 0 "warning: .*tiny.yaml: layer 'd1' takes input \\[1,5,5,2\\], which follows from no earlier layer's output \\(the previous layer 'c1' outputs \\[1,3,3,5\\]\\)"
       ARGS run --cpu gap --model "${WORK}/tiny.yaml" --out "${WORK}/chain")
# The timeline is streamed to the file: ResNet-8's (13 MB of JSON, about
# 300 MB when it was held in memory) is written under a 250 MB address-space
# limit, and it is complete JSON.
execute_process(COMMAND sh -c "ulimit -v 250000; exec \"$0\" run --cpu gap --model \"$1\" --trace timeline --out \"$2\""
                        ${SASIM} "${SRC}/models/resnet8.yaml" "${WORK}/timeline_big"
                RESULT_VARIABLE rc OUTPUT_VARIABLE o ERROR_VARIABLE e)
file(SIZE "${WORK}/timeline_big/timeline.json" tl_size)
file(READ "${WORK}/timeline_big/timeline.json" tl_head LIMIT 20)
math(EXPR tl_off "${tl_size} - 40")
file(READ "${WORK}/timeline_big/timeline.json" tl_tail OFFSET ${tl_off})
if(NOT rc EQUAL 0 OR tl_size LESS 1000000 OR NOT tl_head MATCHES "^{\"traceEvents\": \\["
   OR NOT tl_tail MATCHES "1 clock cycle\"}}\n$")
  message(SEND_ERROR "[timeline_bounded] exit ${rc}, ${tl_size} bytes: ${e}")
else()
  message(STATUS "ok timeline_bounded ${tl_size} bytes")
endif()
# The tables fit 120 columns unless --wide asks for every column.
execute_process(COMMAND ${SASIM} run --model "${SRC}/models/resnet8.yaml" --out "${WORK}/narrow" OUTPUT_VARIABLE narrow)
string(REPLACE "\n" ";" narrow_lines "${narrow}")
set(too_wide "")
foreach(line IN LISTS narrow_lines)
  string(LENGTH "${line}" len)
  if(len GREATER 120 AND NOT line MATCHES "^wrote ")  # the file list holds paths
    set(too_wide "${line}")
  endif()
endforeach()
if(NOT too_wide STREQUAL "")
  message(SEND_ERROR "[table_width] a line is wider than 120 columns: ${too_wide}")
else()
  message(STATUS "ok table_width")
endif()
expect(run_wide 0 "cfu_ops sram_rd_w sram_wr_w.*I\\$miss +D\\$miss +top function" ARGS run --wide --model "${WORK}/tiny.yaml" --out "${WORK}/wide")
# No SystemC info line in the middle of the report; cycle_kind names for GTKWave.
execute_process(COMMAND ${SASIM} run --cpu gap --model "${WORK}/tiny.yaml" --out "${WORK}/vcd_info" --trace vcd
                RESULT_VARIABLE rc OUTPUT_VARIABLE o ERROR_VARIABLE e)
if(NOT rc EQUAL 0 OR "${o}${e}" MATCHES "Info:" OR NOT o MATCHES "trace.vcd \\(cycle_kind names: cycle_kind.gtkw.txt\\)"
   OR NOT EXISTS "${WORK}/vcd_info/cycle_kind.gtkw.txt")
  message(SEND_ERROR "[vcd_no_info] exit ${rc}: ${o}${e}")
else()
  message(STATUS "ok vcd_no_info")
endif()
# --trace-layer / --trace-cycles keep the timeline of a big model small.
expect(trace_layer 0 "timeline.json" ARGS run --model "${SRC}/models/resnet8.yaml" --trace timeline --trace-layer fc
       --out "${WORK}/trace_fc")
file(READ "${WORK}/trace_fc/timeline.json" tl_fc)
string(LENGTH "${tl_fc}" tl_fc_len)
if(tl_fc_len GREATER 200000 OR NOT tl_fc MATCHES "\"name\":\"fc\"" OR tl_fc MATCHES "\"name\":\"conv0\"")
  message(SEND_ERROR "[trace_layer] ${tl_fc_len} bytes; fc only expected")
endif()
# The layer's span is the table's cycles; the CPU counter holds one window
# per sample (about 20,000 cycles, not the cycles since the board started).
expect(trace_layer_s1 0 "timeline.json" ARGS run --model "${SRC}/models/resnet8.yaml" --trace timeline
       --trace-layer s1_conv1 --out "${WORK}/trace_s1")
file(READ "${WORK}/trace_s1/timeline.json" tl_s1)
file(READ "${WORK}/trace_s1/layers.csv" s1_csv)
string(REGEX MATCH "\ns1_conv1,[a-z_0-9]+,([0-9]+)," _ "${s1_csv}")
set(s1_cycles "${CMAKE_MATCH_1}")
string(REGEX MATCH "\"dur\":([0-9]+),\"name\":\"s1_conv1\",\"ph\":\"X\",\"pid\":1,\"tid\":1," _ "${tl_s1}")
if(NOT CMAKE_MATCH_1 STREQUAL s1_cycles)
  message(SEND_ERROR "[trace_layer_span] s1_conv1's span is ${CMAKE_MATCH_1} cycles, the table says ${s1_cycles}")
endif()
string(REGEX MATCHALL "\"args\":{[^}]*},\"name\":\"CPU cycles by class\"" cpu_samples "${tl_s1}")
list(LENGTH cpu_samples n_cpu_samples)
foreach(sample IN LISTS cpu_samples)
  string(REGEX MATCHALL ":[0-9]+" vals "${sample}")
  set(sum 0)
  foreach(v IN LISTS vals)
    string(SUBSTRING "${v}" 1 -1 v)
    math(EXPR sum "${sum} + ${v}")
  endforeach()
  if(sum GREATER 25000)
    message(SEND_ERROR "[trace_cpu_counter] a sample holds ${sum} cycles: ${sample}")
  endif()
endforeach()
if(n_cpu_samples EQUAL 0)
  message(SEND_ERROR "[trace_cpu_counter] no CPU samples in s1_conv1's timeline")
endif()
expect(trace_layer_unknown 2 "--trace-layer nope: no such layer in .*resnet8.yaml \\(layers: conv0, s1_conv1"
       ARGS run --model "${SRC}/models/resnet8.yaml" --trace timeline --trace-layer nope --out "${WORK}/trace_nope")
expect(trace_cycles_bad 2 "--trace-cycles 9:3: expected FROM:TO" ARGS run --model "${WORK}/tiny.yaml" --trace timeline
       --trace-cycles 9:3 --out "${WORK}/trace_bad")
expect(trace_window_needs_trace 2 "--trace-layer: selects what --trace records" ARGS run --model "${WORK}/tiny.yaml"
       --trace-layer c1 --out "${WORK}/trace_none")
# A VCD window by layer: the other layers leave the waveform alone.
expect(vcd_all 0 "trace.vcd" ARGS run --model "${WORK}/tiny.yaml" --trace vcd --out "${WORK}/vcd_all")
expect(vcd_fc 0 "trace.vcd" ARGS run --model "${WORK}/tiny.yaml" --trace vcd --trace-layer c1 --out "${WORK}/vcd_fc")
file(SIZE "${WORK}/vcd_all/trace.vcd" vcd_all_size)
file(SIZE "${WORK}/vcd_fc/trace.vcd" vcd_fc_size)
math(EXPR vcd_limit "${vcd_all_size} * 2 / 3")
if(NOT vcd_fc_size LESS vcd_limit)
  message(SEND_ERROR "[vcd_window] fc only: ${vcd_fc_size} bytes, whole run: ${vcd_all_size}")
else()
  message(STATUS "ok vcd_window ${vcd_fc_size} of ${vcd_all_size} bytes")
endif()
# Bounds: the MAC bound and the feed bound per layer, and the ratio.
expect(run_bounds 0 "bounds \\(docs/bounds.md; feed at [0-9.]+ cycles per 8 bytes written, [0-9.]+ per 4 bytes read\\):\nlayer +cycles +MAC bound +feed bound +x bound\nc1 +[0-9]+ +[0-9]+ +[0-9]+ +[0-9.]+\n"
       ARGS run --model "${WORK}/tiny.yaml" --out "${WORK}/bounds")
file(STRINGS "${WORK}/bounds/layers.csv" bounds_csv LIMIT_COUNT 1)
if(NOT bounds_csv MATCHES "mac_bound,feed_bound,bound_ratio,mapping,mapping_why,raw_weights$")
  message(SEND_ERROR "[run_bounds] layers.csv header: ${bounds_csv}")
endif()
# sasim import: a .tflite model's accelerator layers, with its weights.
expect(import_resnet8 0 "imported .*pretrainedResnet_quant.tflite: 10 accelerator layers, 6 CPU operators"
       ARGS import "${SHARED}/models/pretrainedResnet_quant.tflite" --out "${WORK}/imported/resnet8.yaml")
# The imported config is the whole network: run on it gives the .tflite
# file's output, per-operator table and cycles (CPU model; MobileNetV2's
# constant operands on the fixed-gap host, which is faster).
foreach(spec "pretrainedResnet_quant:vexriscv" "kws_ref_model:vexriscv" "model_mobilenetv2_160_035:gap")
  string(REPLACE ":" ";" spec "${spec}")
  list(GET spec 0 net)
  list(GET spec 1 cpu)
  execute_process(COMMAND ${SASIM} import "${SHARED}/models/${net}.tflite" --out "${WORK}/imported/${net}.yaml"
                  OUTPUT_QUIET RESULT_VARIABLE rc)
  expect(run_imported_${net} 0 "\n +0 +[A-Z_0-9]+ +[0-9x]+ +(cfu|cpu) +([0-9]+|not timed) .*yes\n" ARGS run --cpu ${cpu}
         --input-seed 4 --model "${WORK}/imported/${net}.yaml" --out "${WORK}/imported_${net}_yaml")
  execute_process(COMMAND ${SASIM} run --cpu ${cpu} --input-seed 4 --model "${SHARED}/models/${net}.tflite"
                  --out "${WORK}/imported_${net}_tflite" OUTPUT_QUIET)
  foreach(f output.bin layers.csv profile.csv)
    execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files "${WORK}/imported_${net}_yaml/${f}"
                    "${WORK}/imported_${net}_tflite/${f}" RESULT_VARIABLE differ)
    if(differ OR NOT rc EQUAL 0)
      message(SEND_ERROR "[run_imported_${net}] ${f} of the imported config differs from the .tflite run's")
    endif()
  endforeach()
endforeach()
# A hand-written whole network: every CPU operator timed on the board model,
# DEQUANTIZE's float32 output written as such.
expect(run_tiny_net 0 "\n +9 +DEQUANTIZE +1x5 +cpu +[0-9]+ +yes\n.* 0 CPU operators not timed"
       ARGS run --model "${SRC}/tests/data/tiny_net.yaml" --input-seed 2 --out "${WORK}/tiny_net")
file(SIZE "${WORK}/tiny_net/output.bin" tiny_size)
file(READ "${WORK}/tiny_net/output.npy" tiny_npy OFFSET 10 LIMIT 30)  # past the binary magic and length
if(NOT tiny_size EQUAL 20 OR NOT tiny_npy MATCHES "'descr': '<f4'")
  message(SEND_ERROR "[run_tiny_net] output.bin holds ${tiny_size} bytes (want 5 float32) or output.npy is not float32")
endif()
# The CPU operators' checks name the config file, the entry's line and the entry.
file(READ "${WORK}/imported/pretrainedResnet_quant.yaml" r8_yaml)
string(REPLACE "inputs: [op00_conv2d, op02_conv2d]" "inputs: [op00_conv2d, op12_average_pool_2d]" r8_bad "${r8_yaml}")
string(REPLACE "inputs: [op11_add]" "inputs: [op10_conv2d]" r8_bad "${r8_bad}")
file(WRITE "${WORK}/imported/r8_bad.yaml" "${r8_bad}")
expect(run_imported_bad_wiring 2 "r8_bad.yaml:[0-9]+:[0-9]+: layers\\[3\\] \\(op03_add\\).inputs\\[1\\]: 'op12_average_pool_2d' is neither the model input nor an earlier entry"
       ARGS run --model "${WORK}/imported/r8_bad.yaml" --out "${WORK}/r8_bad")
string(REPLACE "inputs: [op00_conv2d, op02_conv2d]" "inputs: [op00_conv2d, input]" r8_bad "${r8_yaml}")
file(WRITE "${WORK}/imported/r8_bad.yaml" "${r8_bad}")
expect(run_imported_bad_shapes 2 "r8_bad.yaml:[0-9]+:5: layers\\[3\\] \\(op03_add\\): inputs \\[1, 32, 32, 16\\] and \\[1, 32, 32, 3\\] do not broadcast to the output"
       ARGS run --model "${WORK}/imported/r8_bad.yaml" --out "${WORK}/r8_bad")
# A bad entry is reported alone: the entries reading its output are not
# checked against what it would have made (no cascade of mismatches).
string(REPLACE "stride: [2, 2]" "stride: [2, 2, 9]" r8_bad "${r8_yaml}")
file(WRITE "${WORK}/imported/r8_bad.yaml" "${r8_bad}")
expect(run_imported_no_cascade 2 "^([^\n]*\\.stride: expected 2 integers, got 3\n)+$"
       ARGS run --model "${WORK}/imported/r8_bad.yaml" --out "${WORK}/r8_bad")
# A weight file's error is reported at the config key that names it.
file(WRITE "${WORK}/imported/pretrainedResnet_quant/op14_bias.bin" "short")
expect(run_imported_short_bias 2 "pretrainedResnet_quant.yaml:[0-9]+:[0-9]+: layers\\[[0-9]+\\][^:]*weights.bias_file: [^\n]*op14_bias.bin: holds 5 bytes, expected 40"
       ARGS run --model "${WORK}/imported/pretrainedResnet_quant.yaml" --out "${WORK}/r8_bad")
# An absolute weight path is used as it is.
file(WRITE "${WORK}/abs_weights.yaml" "name: t\nlayers:\n  - name: a\n    op: conv2d\n    input_shape: [1, 4, 4, 8]\n    filter_shape: [8, 1, 1, 8]\n    output_shape: [1, 4, 4, 8]\n    stride: [1, 1]\n    dilation: [1, 1]\n    padding: same\n    input_zero_point: 0\n    output_zero_point: 0\n    fused_activation: none\n    input_scale: 0.1\n    filter_scales: [0.1]\n    output_scale: 0.1\n    input_seed: 1\n    weights: {filter_file: ${WORK}/no_such_filter.bin}\n")
expect(run_abs_weight_path 2 "abs_weights.yaml:18:[0-9]+: layers\\[0\\].weights.filter_file: ${WORK}/no_such_filter.bin: cannot open tensor file"
       ARGS run --model "${WORK}/abs_weights.yaml" --out "${WORK}/abs_weights")
if(EXISTS "${WORK}/r8_bad")
  message(SEND_ERROR "[run_imported_bad] wrote results for a bad config")
endif()
file(WRITE "${WORK}/broken.tflite" "xxxxTFL3 not really a model")
expect(import_corrupt 2 "broken.tflite: corrupt or truncated TFLite model" ARGS import "${WORK}/broken.tflite" --out "${WORK}/broken.yaml")
if(EXISTS "${WORK}/broken.yaml")
  message(SEND_ERROR "[import_corrupt] wrote a config for a corrupt model")
endif()

# sasim run --model FILE.tflite: the whole network; the output equals the
# TFLite Micro interpreter's for the expected inputs, on both CPU models.
# pretrainedResnet_quant on the CPU model twice: by default (its arena plan
# keeps its ADDs from being fused, as below) and with --no-fuse.
foreach(run_case "pretrainedResnet_quant;2;gap" "kws_ref_model;3;vexriscv" "pretrainedResnet_quant;5;vexriscv"
                 "pretrainedResnet_quant;5;vexriscv;--no-fuse")
  list(GET run_case 0 net)
  list(GET run_case 1 seed)
  list(GET run_case 2 cpu)
  set(fuse_flag "")
  set(fuse_sfx "")
  list(LENGTH run_case n_fields)
  if(n_fields GREATER 3)
    list(GET run_case 3 fuse_flag)
    set(fuse_sfx "_nofuse")
  endif()
  set(exp "${SHARED}/models/expected/${net}")
  # Timed on the CPU model (sasim's board kernels), not timed on the fixed-gap host.
  if(cpu STREQUAL "gap")
    set(cpu_cycles_re "not timed")
  else()
    set(cpu_cycles_re "[0-9]+")
  endif()
  set(tag "${net}_${seed}_${cpu}${fuse_sfx}")
  expect(run_tflite_${tag} 0 "
 +0 +CONV_2D +.* cfu .* yes
.*SOFTMAX +1x[0-9]+ +cpu +${cpu_cycles_re} .* yes
total: [0-9]+ cycles \\([0-9.]+ us at 75 MHz\\): [0-9]+ in the CFU layers[^,]*, [0-9]+ in [0-9]+ elementwise operators on the CFU, [0-9]+ in [0-9]+ CPU operators"
         ARGS run --cpu ${cpu} ${fuse_flag} --model "${SHARED}/models/${net}.tflite" --input "${exp}/input_${seed}.bin"
         --out "${WORK}/tflite_${tag}")
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files "${WORK}/tflite_${tag}/output.bin"
                  "${exp}/output_${seed}.bin" RESULT_VARIABLE same)
  if(NOT same EQUAL 0)
    message(SEND_ERROR "[run_tflite_${tag}] output.bin differs from TFLite Micro's output_${seed}.bin")
  endif()
endforeach()
# The residual ADDs: fused into the conv before them (READ_EW), as the
# exported bridge does. ResNet-8's arena plan puts all three over the conv's
# input (measured under TFLite Micro 8746ec9): all three run in place, and
# the run says so.
file(READ "${WORK}/tflite_pretrainedResnet_quant_5_vexriscv/layers.csv" r8_csv)
if(NOT r8_csv MATCHES "\n2,1x32x32x16,cfu\\+,2 CONV_2D,CONV_2D,[0-9]+," OR
   NOT r8_csv MATCHES "\n3,1x32x32x16,fused,3 ADD,ADD,,0,")
  message(SEND_ERROR "[run_tflite] ResNet-8's residual ADDs not fused in place:\n${r8_csv}")
endif()
file(READ "${WORK}/tflite_pretrainedResnet_quant_5_vexriscv/report.json" r8_json)
string(JSON r8_fused GET "${r8_json}" total fused_operators)
string(JSON r8_in_place GET "${r8_json}" total fusions_in_place)
string(JSON r8_prevented GET "${r8_json}" total fusions_prevented_by_arena_plan)
if(NOT r8_fused EQUAL 3 OR NOT r8_in_place EQUAL 3 OR NOT r8_prevented EQUAL 0)
  message(SEND_ERROR "[run_tflite] ResNet-8: ${r8_fused} fused (${r8_in_place} in place), ${r8_prevented} prevented")
endif()
# The weight store: every conv's prepared weights fit the default 96 KiB
# (9,680 of its 12,288 lines), so no conv sends weights in the steady
# state; without the store the same inference is bit-exact and slower.
string(JSON r8_stored GET "${r8_json}" total weight_store layers)
string(JSON r8_lines GET "${r8_json}" total weight_store lines_used)
string(JSON r8_total GET "${r8_json}" total cycles)
if(NOT r8_stored EQUAL 9 OR NOT r8_lines EQUAL 9680)
  message(SEND_ERROR "[run_tflite] ResNet-8's weight store: ${r8_stored} layers in ${r8_lines} lines")
endif()
expect(run_tflite_r8_no_store 0 "\ntotal: [0-9]+ cycles"
       ARGS run --model "${SHARED}/models/pretrainedResnet_quant.tflite" --input "${SHARED}/models/expected/pretrainedResnet_quant/input_5.bin"
            --set buffers.w.size_bytes=0 --out "${WORK}/tflite_r8_no_store")
file(READ "${WORK}/tflite_r8_no_store/report.json" r8_ns_json)
string(JSON r8_ns_total GET "${r8_ns_json}" total cycles)
string(JSON r8_ns_stored GET "${r8_ns_json}" total weight_store layers)
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files "${WORK}/tflite_r8_no_store/output.bin"
                "${SHARED}/models/expected/pretrainedResnet_quant/output_5.bin" RESULT_VARIABLE same)
if(NOT same EQUAL 0 OR NOT r8_ns_stored EQUAL 0 OR NOT r8_ns_total GREATER r8_total)
  message(SEND_ERROR "[run_tflite_r8_no_store] without the store: output same=${same}, ${r8_ns_stored} layers stored, "
                     "${r8_ns_total} cycles against ${r8_total} with it")
endif()
expect(run_tflite_r8_in_place 0 "\nin place: 3 ADD into 2, 7 ADD into 6, 11 ADD into 10 \\(TFLite Micro's arena plan"
       ARGS run --model "${SHARED}/models/pretrainedResnet_quant.tflite" --out "${WORK}/tflite_r8_plan")
# MobileNetV2's plan leaves 8 of its 10 residual ADDs apart and puts 2 over
# their conv's input: all are fused (the conv's row says cfu+, the ADD's
# names it and has no cycles of its own), 2 in place, and the fused run is
# faster than the one with every ADD on the elementwise unit (--no-fuse).
# It starts with a broadcast MUL and SUB, an elementwise chain: one table
# built on the CFU's elementwise unit, one pass (the MUL's row names the
# SUB, which has the pair's cycles), equal to the golden network operator by
# operator (exit 0); with --no-fuse each on the elementwise unit.
# The output keep: DS-CNN's layers 0-7 leave their output in the CFU's A
# bank and 1-8 send no input (docs/microarchitecture.md), bit-exact.
expect(run_tflite_kws_keep 0 "\n +8 +CONV_2D +1x25x5x64 +cfu +[0-9]+ +512000 +[0-9.]+ +yes +im2col\n.*\noutput kept in A: layers 0, 1, 2, 3, 4, 5, 6, 7 leave their output in the CFU for the layer after them, which sends no\n? ?input"
       ARGS run --model "${SHARED}/models/kws_ref_model.tflite" --out "${WORK}/tflite_kws_keep")
expect(run_tflite_mobilenetv2 0 "\n +0 +MUL +1x160x160x3 +chain +in 1 +yes\n +1 +SUB +1x160x160x3 +chain +[0-9]+ +yes\n.*\n +5 +CONV_2D +1x80x80x48 +pair +in 6 +0 +0.00 +yes +im2col\n +6 +DEPTHWISE_CONV_2D +1x40x40x48 +cfu +[0-9]+ +3148800 +[0-9.]+ +yes +im2col\n.*0 CPU operators not timed\nin place: 37 ADD into 36, 59 ADD into 58 \\(TFLite Micro's arena plan[^\n]*\nweight store: [0-9]+ of 12288 lines hold the weights of [0-9]+ layers .*first inference \\(docs/command-set.md\\); full for [0-9]+ more .*which\n? +stream theirs\nprepared weights: the bridge's preparation store sized for this network, 416 KiB and 64 layers[^\n]*\n[^\n]*\n +Makefile\\)\noutput kept in A: layers 25, 26, 27, 30, [^\n]*, 61, 62\n leave their output in the CFU for the layer after them, which sends no input \\(docs/microarchitecture.md\\)\nelementwise chains: 0 MUL and 1 SUB run as one 256-entry table each, built on the CFU's elementwise unit and applied[^\n]*\n[^\n]*\\(docs/export-cfu.md\\)\npaired layers: 2 and 3, 5 and 6, 8 and 9, 12 and 13, 15 and 16, 19 and 20, 23 and 24 run band by band, each expansion's\n rows kept in the CFU's A bank for the layer reading them and never stored \\(docs/microarchitecture.md\\)\nnot included: TFLite Micro's own code around the 68 operators' kernel entries timed here \\(its interpreter"
       ARGS run --model "${SHARED}/models/model_mobilenetv2_160_035.tflite" --out "${WORK}/tflite_mnv2")
# Every CFU layer's row names the driver's mapping; the layers on its legacy
# tile loop are named in a warning, a line per reason (issue 21: no silent
# slow path), and in layers.csv and report.json.
expect(run_legacy_os 0 "fc +fully_connected .* yes legacy\n.*warning: the driver runs 10 CFU layers on its legacy tile loop, not the im2col path[^\n]*\n  the im2col extension is off \\(array.im2col: false\\): conv0, s1_conv1, s1_conv2, s2_conv1, s2_conv2, s2_shortcut, s3_conv1, s3_conv2, s3_shortcut, fc\n"
       ARGS run --model "${SRC}/models/resnet8.yaml" --cpu gap --set array.dataflow=os --set array.im2col=false
            --out "${WORK}/legacy_os")
file(READ "${WORK}/legacy_os/layers.csv" legacy_csv)
file(READ "${WORK}/legacy_os/report.json" legacy_json)
if(NOT legacy_csv MATCHES ",mapping,mapping_why,raw_weights\nconv0,conv2d,[^\n]*,legacy,the im2col extension is off \\(array.im2col: false\\),0\n" OR
   NOT legacy_json MATCHES "\"mapping\": \"legacy\",\n *\"mapping_why\": \"the im2col extension is off \\(array.im2col: false\\)\"")
  message(SEND_ERROR "[run_legacy_os] layers.csv / report.json do not name the mapping:\n${legacy_csv}")
endif()
# The os array's tile form (docs/command-set.md): every layer on the im2col
# path; where a group's weights (a B line per reduction step) do not fit a
# B bank and there is no weight store, in parts (run_os_parts), still no
# legacy layer.
expect(run_os_im2col 0 "s3_conv2 +conv2d .* yes im2col\n.*fc +fully_connected .* yes im2col\ntotal "
       ARGS run --model "${SRC}/models/resnet8.yaml" --cpu gap --set array.dataflow=os --out "${WORK}/os_im2col")
expect(run_os_parts 0 "s3_conv2 +conv2d .* yes im2col\n.*fc +fully_connected .* yes im2col\ntotal "
       ARGS run --model "${SRC}/models/resnet8.yaml" --cpu gap --set array.dataflow=os --set buffers.b.size_bytes=2048
            --set buffers.w.size_bytes=0 --out "${WORK}/os_b_small")
file(READ "${WORK}/os_b_small/layers.csv" os_parts_csv)
if(os_parts_csv MATCHES "legacy")
  message(SEND_ERROR "[run_os_parts] a layer on the legacy loop:\n${os_parts_csv}")
endif()
# An array taller than wide takes the im2col path too (B tiles streamed by
# rows; depthwise as a shifted diagonal): every CFU layer of DS-CNN on 16 x 8,
# none on the legacy loop (before: all nine, 24 M cycles).
expect(run_tflite_tall_im2col 0 " +0 +CONV_2D +1x25x5x64 +cfu +[0-9]+ +320000 +[0-9.]+ +yes +im2col\n +1 +DEPTHWISE_CONV_2D +1x25x5x64 +cfu +[0-9]+ +72000 +[0-9.]+ +yes +im2col\n"
       ARGS run --model "${SHARED}/models/kws_ref_model.tflite" --set array.rows=16 --set array.cols=8 --out "${WORK}/tall_im2col")
file(READ "${WORK}/tall_im2col/layers.csv" tall_csv)
if(tall_csv MATCHES ",legacy," OR NOT tall_csv MATCHES "DEPTHWISE_CONV_2D,[^\n]*,im2col,")
  message(SEND_ERROR "[run_tflite_tall_im2col] layers.csv:\n${tall_csv}")
endif()
# ... unless its B bank cannot hold a by-rows tile (`rows` lines): said.
expect(run_legacy_tall_b 0 "warning: the driver runs 10 CFU layers on its legacy tile loop[^\n]*\n  an array taller than wide whose B bank holds fewer lines than it has rows: conv0, s1_conv1, [^\n]*, fc\n"
       ARGS run --model "${SRC}/models/resnet8.yaml" --cpu gap --set array.rows=64 --set array.cols=2 --set buffers.b.size_bytes=64 --out "${WORK}/legacy_tall_b")
expect(run_no_legacy_default 0 "s3_shortcut +conv2d [^\n]* yes im2col\nfc +fully_connected [^\n]* yes im2col\n"
       ARGS run --model "${SRC}/models/resnet8.yaml" --cpu gap --out "${WORK}/legacy_none")
expect(run_tflite_mnv2_no_fuse 0 "\n +0 +MUL +1x160x160x3 +cfu +[0-9]+ +yes\n +1 +SUB +1x160x160x3 +cfu +[0-9]+ +yes\n.*total: [0-9]+ cycles"
       ARGS run --no-fuse --model "${SHARED}/models/model_mobilenetv2_160_035.tflite" --out "${WORK}/tflite_mnv2--no-fuse")
file(READ "${WORK}/tflite_mnv2/layers.csv" mn_csv)
file(READ "${WORK}/tflite_mnv2/report.json" mn_json)
file(READ "${WORK}/tflite_mnv2--no-fuse/report.json" mn_nofuse_json)
string(JSON mn_fused GET "${mn_json}" total fused_operators)
string(JSON mn_prevented GET "${mn_json}" total fusions_prevented_by_arena_plan)
string(JSON mn_in_place GET "${mn_json}" total fusions_in_place)
string(JSON mn_fused_total GET "${mn_json}" total cycles)
string(JSON mn_ew_total GET "${mn_nofuse_json}" total cycles)
string(JSON mn_exact GET "${mn_json}" bit_exact)
# ... and its seven paired layers (docs/microarchitecture.md "Paired layers"):
# the expansion's row names its reader, the whole inference under the
# issue's 10 M cycles; --no-fuse runs them apart.
string(JSON mn_paired GET "${mn_json}" total paired_layers)
string(JSON mn_pair_into GET "${mn_json}" operators 5 paired_into)
string(JSON mn_pair_with GET "${mn_json}" operators 6 paired_with)
string(JSON mn_nofuse_paired GET "${mn_nofuse_json}" total paired_layers)
if(NOT mn_csv MATCHES "\n10,1x40x40x8,cfu\\+,10 CONV_2D,CONV_2D,[0-9]+," OR
   NOT mn_csv MATCHES "\n11,1x40x40x8,fused,11 ADD,ADD,,0," OR NOT mn_fused EQUAL 10 OR NOT mn_in_place EQUAL 2 OR NOT mn_prevented EQUAL 0 OR
   NOT mn_fused_total LESS mn_ew_total OR NOT mn_exact OR NOT mn_paired EQUAL 7 OR NOT mn_pair_into EQUAL 6 OR NOT mn_pair_with EQUAL 5 OR
   NOT mn_nofuse_paired EQUAL 0 OR NOT mn_fused_total LESS 10000000)
  message(SEND_ERROR "[run_tflite] MobileNetV2: ${mn_fused} fused (${mn_in_place} in place), ${mn_prevented} prevented, ${mn_fused_total} "
                     "cycles (unfused ${mn_ew_total}), bit-exact ${mn_exact}, ${mn_paired} pairs (5 into ${mn_pair_into}; "
                     "--no-fuse ${mn_nofuse_paired}):\n${mn_csv}")
endif()
# The 64 x 10 FC: the driver's cost model leaves it to the CPU in a whole
# network (faster there); `check` of the same layer measures the CFU path.
string(JSON r8_fc_where GET "${r8_json}" operators 14 where)
string(JSON r8_on_cpu GET "${r8_json}" total layers_on_cpu)
if(NOT r8_fc_where MATCHES "^cpu$" OR NOT r8_on_cpu EQUAL 1)
  message(SEND_ERROR "[run_tflite] the small FC: where ${r8_fc_where}, layers_on_cpu ${r8_on_cpu}")
endif()
# A whole network's layers run through the exported kernel entry and bridge
# (LayerSpec::shipped): the FC left on the CPU spends its cycles in the
# export's fully_connected.h (SasimFullyConnectedReference), the convs in
# the driver.
file(READ "${WORK}/tflite_pretrainedResnet_quant_5_vexriscv/layers.csv" r8_fused_csv)
if(NOT r8_fused_csv MATCHES "\n14,1x10,cpu,14 FULLY_CONNECTED,[^\n]*,\"SasimFullyConnectedReference[^\"]*\",[0-9]+," OR
   NOT r8_fused_csv MATCHES "\n1,1x32x32x16,cfu,1 CONV_2D,[^\n]*,\"(put_words_a|read_words_pipelined|run_bands)\",")
  message(SEND_ERROR "[run_tflite] the layers' top functions are not the shipped code's:\n${r8_fused_csv}")
endif()
# The CPU model times the CPU operators sasim has board kernels for (ADD,
# pooling, RESHAPE; the ADDs on the CFU's elementwise unit); the fixed-gap
# host times none.
file(READ "${WORK}/tflite_pretrainedResnet_quant_5_vexriscv_nofuse/layers.csv" r8_csv)
if(NOT r8_csv MATCHES "\n3,1x32x32x16,cfu,3 ADD,ADD,[0-9]+,0,[^\n]*,1,vexriscv,[0-9]+," OR
   NOT r8_csv MATCHES "\n12,1x1x1x64,cpu,12 AVERAGE_POOL_2D,AVERAGE_POOL_2D,[0-9]+,0,[^\n]*\"PoolInt8<false>\",[0-9]+,")
  message(SEND_ERROR "[run_tflite] CPU operators not timed on the CPU model:\n${r8_csv}")
endif()
file(READ "${WORK}/tflite_pretrainedResnet_quant_2_gap/layers.csv" r8_gap_csv)
if(NOT r8_gap_csv MATCHES "\n12,1x1x1x64,cpu,12 AVERAGE_POOL_2D,AVERAGE_POOL_2D,,0,")
  message(SEND_ERROR "[run_tflite] a CPU operator timed without the CPU model:\n${r8_gap_csv}")
endif()
file(READ "${WORK}/tflite_pretrainedResnet_quant_5_vexriscv_nofuse/report.json" r8_json)
string(JSON r8_total GET "${r8_json}" total cycles)
string(JSON r8_cfu GET "${r8_json}" total cfu_cycles)
string(JSON r8_ew GET "${r8_json}" total eltwise_cfu_cycles)
string(JSON r8_cpu GET "${r8_json}" total cpu_cycles)
math(EXPR r8_sum "${r8_cfu} + ${r8_ew} + ${r8_cpu}")
if(NOT r8_total EQUAL r8_sum OR r8_cpu LESS 1000 OR r8_ew LESS 1000)
  message(SEND_ERROR "[run_tflite] report.json totals: ${r8_total} != ${r8_cfu} + ${r8_ew} + ${r8_cpu}")
endif()
file(STRINGS "${WORK}/tflite_kws_ref_model_3_vexriscv/layers.csv" kws_csv)
list(GET kws_csv 0 kws_head)
if(NOT kws_head MATCHES "^index,output_shape,where,layer,op,cycles,macs,utilisation,.*,top_function,top_function_cycles,mac_bound,feed_bound,bound_ratio,mapping,mapping_why,raw_weights$")
  message(SEND_ERROR "[run_tflite] layers.csv header: ${kws_head}")
endif()
file(STRINGS "${WORK}/tflite_kws_ref_model_3_vexriscv/profile.csv" kws_prof)
list(GET kws_prof 0 prof_head)
list(GET kws_prof 1 prof_first)
if(NOT prof_head STREQUAL "\"Event\",\"Tag\",\"Ticks\"" OR NOT prof_first MATCHES "^0,CONV_2D,[0-9]+$")
  message(SEND_ERROR "[run_tflite] profile.csv: ${prof_head} / ${prof_first}")
endif()
file(READ "${WORK}/tflite_kws_ref_model_3_vexriscv/report.json" kws_json)
string(JSON kws_exact GET "${kws_json}" bit_exact)
string(JSON kws_top GET "${kws_json}" top5 0 class)
if(NOT kws_exact OR NOT kws_top EQUAL 9)
  message(SEND_ERROR "[run_tflite] report.json: bit_exact ${kws_exact}, top class ${kws_top} (want 9)")
endif()
file(WRITE "${WORK}/short_input.bin" "0123456789")
expect(run_tflite_short_input 2 "short_input.bin: holds 10 bytes; the input tensor .* needs 3072 bytes"
       ARGS run --cpu gap --model "${SHARED}/models/pretrainedResnet_quant.tflite" --input "${WORK}/short_input.bin"
       --out "${WORK}/tflite_short")
expect(run_tflite_missing_input 2 "nope.bin: cannot open input tensor: No such file"
       ARGS run --cpu gap --model "${SHARED}/models/pretrainedResnet_quant.tflite" --input "${WORK}/nope.bin"
       --out "${WORK}/tflite_short")
if(EXISTS "${WORK}/tflite_short/output.bin")
  message(SEND_ERROR "[run_tflite_short_input] wrote an output for a bad input")
endif()
# A whole network gets the layer-list run's tables, every operator a row:
# the array's causes and the bounds for its layers, the CPU's classes (with
# --wide the top function) and memory causes for every operator.
expect(run_tflite_tables 0 "array cycles by cause: compute, host \\(waiting for the CPU\\), fill/drn, swap, readback\n.*\n8 CONV_2D .*\nCPU: layer .*\n9 AVERAGE_POOL_2D +[0-9]+ .* PoolInt8<false> \\([0-9]+\\)\n.*\n12 SOFTMAX +[0-9]+ .* softmax_row \\([0-9]+\\)\n.*memory: layer .*\n9 AVERAGE_POOL_2D +data_mem .*\nbounds \\(docs/bounds.md.*\n11 FULLY_CONNECTED +[0-9]+ +[0-9]+ +[0-9]+ "
       ARGS run --wide --model "${SHARED}/models/kws_ref_model.tflite" --out "${WORK}/tflite_tables")
# The whole inference on one timeline: the CFU layers and the CPU operators
# on the same board, each a span; --trace-layer names either.
expect(run_tflite_timeline 0 "wrote .*tflite_timeline/timeline.json"
       ARGS run --model "${SHARED}/models/kws_ref_model.tflite" --trace timeline --out "${WORK}/tflite_timeline")
file(READ "${WORK}/tflite_timeline/timeline.json" kws_tl)
if(NOT kws_tl MATCHES "\"name\": *\"op00_conv2d\"" OR NOT kws_tl MATCHES "\"name\": *\"9 AVERAGE_POOL_2D\"" OR
   NOT kws_tl MATCHES "\"name\": *\"12 SOFTMAX\"")
  message(SEND_ERROR "[run_tflite_timeline] the timeline lacks a layer's or a CPU operator's span")
endif()
expect(run_tflite_trace_layer_bad 2 "--trace-layer nope: no such layer in .*kws_ref_model.tflite \\(layers: op00_conv2d, .*, 12 SOFTMAX\\)"
       ARGS run --model "${SHARED}/models/kws_ref_model.tflite" --trace timeline --trace-layer nope
       --out "${WORK}/tflite_timeline_bad")
expect(run_tflite_seeded 0 "top-5: class [0-9]" ARGS run --cpu gap --model "${SHARED}/models/kws_ref_model.tflite"
       --input-seed 7 --out "${WORK}/tflite_seeded")
expect(run_tflite_corrupt 2 "broken.tflite: corrupt or truncated TFLite model" ARGS run --model "${WORK}/broken.tflite")
expect(run_input_on_config 2 "resnet8.yaml: --input applies to whole networks only"
       ARGS run --model "${SRC}/models/resnet8.yaml" --input "${WORK}/short_input.bin" --out "${WORK}/cfg_input")
expect(run_input_seed_on_config 2 "resnet8.yaml: --input-seed applies to whole networks only"
       ARGS run --model "${SRC}/models/resnet8.yaml" --input-seed 3 --out "${WORK}/cfg_input")

# export-cfu: a project folder, its configuration in cfu.v; never over a folder
# that is not an earlier export, and over one only with --force.
expect(export_cfu 0 "wrote .*export_4x4 \\(48 files\\): CFU Playground project 'export_4x4' for 4x4 os.*self-test conv_3x3_s1_same: [0-9]+ cycles"
       ARGS export-cfu --set array.rows=4 --set array.cols=4 --set array.dataflow=os --out "${WORK}/proj/export_4x4")
# Each configuration gets its own timing statement in the project README.
file(READ "${WORK}/proj/export_4x4/README.md" readme_4x4)
if(NOT readme_4x4 MATCHES "\\*\\*Timing:\\*\\* not estimated for this configuration \\(4x4 os\\): run `scripts/synth --set array.rows=4 --set array.cols=4 --set array.dataflow=os`")
  message(SEND_ERROR "[export_cfu_timing] the 4x4 os project's README does not give its own timing statement")
endif()
# The printed build command reads back in a shell: a folder with a space is quoted.
expect(export_cfu_quoted 0 "build on the board: cd '[^']*/with space/sasim_q' && make prog"
       ARGS export-cfu --out "${WORK}/proj/with space/sasim_q")
file(READ "${WORK}/proj/export_4x4/cfu.v" cfu_text)
if(NOT cfu_text MATCHES "parameter integer Rows     = 4,\n  parameter integer Cols     = 4,\n  parameter integer Dataflow = 1,")
  message(SEND_ERROR "[export_cfu] cfu.v does not carry the configuration's parameters")
endif()
foreach(f Makefile README.md src/proj_menu.cc src/software_cfu.cc src/sasim_hw.h
          src/tensorflow/lite/kernels/internal/reference/integer_ops/fully_connected.h)
  if(NOT EXISTS "${WORK}/proj/export_4x4/${f}")
    message(SEND_ERROR "[export_cfu] the project has no ${f}")
  endif()
endforeach()
expect(export_cfu_again 2 "export_4x4: --out: holds an earlier export: give --force to replace it"
       ARGS export-cfu --out "${WORK}/proj/export_4x4")
expect(export_cfu_force 0 "for 8x8 ws" ARGS export-cfu --force --out "${WORK}/proj/export_4x4")
file(MAKE_DIRECTORY "${WORK}/proj/mine")
file(WRITE "${WORK}/proj/mine/notes.txt" "my work")
expect(export_cfu_not_ours 2 "mine: --out: exists and is not a sasim export: nothing was written"
       ARGS export-cfu --force --out "${WORK}/proj/mine")
file(READ "${WORK}/proj/mine/notes.txt" notes)
if(NOT notes STREQUAL "my work")
  message(SEND_ERROR "[export_cfu_not_ours] the folder's file was touched")
endif()
expect(export_cfu_name 2 "--name: 'my proj' is not a project name CFU Playground can build"
       ARGS export-cfu --name "my proj" --out "${WORK}/proj/named")
expect(export_cfu_bad_set 2 "--set array.rows=0" ARGS export-cfu --set array.rows=0 --out "${WORK}/proj/bad")
# --model: ResNet-8's three residual ADDs are fused (the runner's rule), each
# layer named in src/sasim_fuse.h; a missing model is named, nothing written.
expect(export_cfu_model 0 "pretrainedResnet_quant.tflite: 3 operator\\(s\\) fused into the layer before them"
       ARGS export-cfu --model "${SHARED}/models/pretrainedResnet_quant.tflite" --out "${WORK}/proj/fused")
file(READ "${WORK}/proj/fused/src/sasim_fuse.h" fuse_h)
if(NOT fuse_h MATCHES "#define SASIM_FUSE_COUNT 3\n" OR NOT fuse_h MATCHES "operator 2, then 3 ADD"
   OR NOT fuse_h MATCHES "operator 10, then 11 ADD")
  message(SEND_ERROR "[export_cfu_model] sasim_fuse.h:\n${fuse_h}")
endif()
if(NOT fuse_h MATCHES "#define SASIM_CHAIN_COUNT 0\n")
  message(SEND_ERROR "[export_cfu_model] ResNet-8 has no elementwise chain:\n${fuse_h}")
endif()
# MobileNetV2's MUL and SUB: an elementwise chain, its head in the chain
# table with the key the bridge matches (the operation, size, constant and
# output parameters), as `sasim run` chains them.
expect(export_cfu_model_chain 0 "model_mobilenetv2_160_035.tflite: 10 operator\\(s\\) fused into the layer before them"
       ARGS export-cfu --model "${SHARED}/models/model_mobilenetv2_160_035.tflite" --out "${WORK}/proj/chained")
file(READ "${WORK}/proj/chained/src/sasim_fuse.h" chain_h)
if(NOT chain_h MATCHES "#define SASIM_CHAIN_COUNT 1\n#define SASIM_CHAIN_TABLE [^\n]*\n  {{2, 76800, -?[0-9]+, -?[0-9]+, [0-9]+, -?[0-9]+} /\\* operator 0, then 1 SUB \\*/}")
  message(SEND_ERROR "[export_cfu_model_chain] sasim_fuse.h:\n${chain_h}")
endif()
# The bridge's preparation store sized for MobileNetV2's prepared weights
# (416 KiB on 8x8 ws, above the 256 KiB default), as sasim run models it;
# a model that fits the default leaves the lines commented.
file(READ "${WORK}/proj/fused/Makefile" fused_mk)
if(NOT fused_mk MATCHES "\n#DEFINES \\+= SASIM_PREPARED_BYTES=262144\n#DEFINES \\+= SASIM_PREPARED_LAYERS=64\n")
  message(SEND_ERROR "[export_cfu_prepared_default] Makefile:\n${fused_mk}")
endif()
file(READ "${WORK}/proj/chained/Makefile" chain_mk)
if(NOT chain_mk MATCHES "sized for model_mobilenetv2_160_035.tflite[^\n]*\nDEFINES \\+= SASIM_PREPARED_BYTES=425984\n#DEFINES \\+= SASIM_PREPARED_LAYERS=64\n")
  message(SEND_ERROR "[export_cfu_prepared_store] Makefile:\n${chain_mk}")
endif()
# ... and its paired layers in the keep table: each expansion bit 3 (8), its
# depthwise reader bit 4 (16), as `sasim run` pairs them.
string(REGEX MATCHALL "u, [0-9]+, 8} /\\* operator (2|5|8|12|15|19|23) \\*/" pair_heads "${chain_h}")
string(REGEX MATCHALL "u, [0-9]+, 16} /\\* operator (3|6|9|13|16|20|24) \\*/" pair_readers "${chain_h}")
list(LENGTH pair_heads n_pair_heads)
list(LENGTH pair_readers n_pair_readers)
if(NOT n_pair_heads EQUAL 7 OR NOT n_pair_readers EQUAL 7)
  message(SEND_ERROR "[export_cfu_model_chain] paired layers in the keep table: ${n_pair_heads} producers, ${n_pair_readers} readers:\n${chain_h}")
endif()
# ... and its Makefile builds CFU Playground's ResNet-8 (MLPerf Tiny image
# classification), with Person Detection kept for its tensor arena (CFU
# Playground's 53 KiB for ResNet-8 is short: docs/board.md), the other model
# choices listed and commented out.
file(READ "${WORK}/proj/fused/Makefile" fused_mk)
if(NOT fused_mk MATCHES "\nDEFINES \\+= INCLUDE_MODEL_MLCOMMONS_TINY_V01_IMGC\n" OR
   NOT fused_mk MATCHES "tensor arena[^\n]*\n[^\n]*156 bytes short[^\n]*\nDEFINES \\+= INCLUDE_MODEL_PDTI8\n" OR
   NOT fused_mk MATCHES "\n#DEFINES \\+= INCLUDE_MODEL_MLCOMMONS_TINY_V01_KWS\n")
  message(SEND_ERROR "[export_cfu_model] Makefile's model choices:\n${fused_mk}")
endif()
# ... and its README gives the expected cycles and profiler ticks (cycles /
# 1024) per operator: `sasim run`'s, the fused ADDs in their layer, the total
# the same as the run's report (the ResNet-8 run above on the default input).
file(READ "${WORK}/proj/fused/README.md" fused_readme)
file(READ "${WORK}/tflite_r8_plan/report.json" r8_plan_json)
string(JSON r8_total GET "${r8_plan_json}" total cycles)
math(EXPR r8_ticks "(${r8_total} + 512) / 1024")
if(NOT fused_readme MATCHES "\n\\| 2 \\| CONV_2D \\| cfu\\+ \\| [0-9]+ \\| [0-9]+ \\|\n\\| 3 \\| ADD \\| fused \\| in the layer before \\|  \\|\n" OR
   NOT fused_readme MATCHES "\n\\| \\| total \\| \\| ${r8_total} \\| ${r8_ticks} \\|\n")
  message(SEND_ERROR "[export_cfu_model] README's per-operator table (sasim run: ${r8_total} cycles):\n${fused_readme}")
endif()
expect(export_cfu_no_model 2 "nope.tflite" ARGS export-cfu --model "${WORK}/nope.tflite" --out "${WORK}/proj/nomodel")
if(EXISTS "${WORK}/proj/nomodel")
  message(SEND_ERROR "[export_cfu_no_model] a refused export left a folder")
endif()
# --selftest-case: a layer case the self-test runs too (its expected output
# the case's own); a folder that is not a case is refused, nothing written.
expect(export_cfu_selftest_case 0 "self-test fully_connected_128x32: [0-9]+ cycles[^\n]*\n  self-test resnet8__14_fully_connected: [0-9]+ cycles on the board estimate"
       ARGS export-cfu --out "${WORK}/proj/with_case" --selftest-case "${SHARED}/vectors/resnet8__14_fully_connected")
file(READ "${WORK}/proj/with_case/src/sasim_selftest_data.h" case_data)
if(NOT case_data MATCHES "#define SASIM_SELFTEST_CASES 4\n" OR NOT case_data MATCHES "[{]\"resnet8__14_fully_connected\", 2, 2, [{]1, 64, 0, 0[}], [{]10, 64, 0, 0[}], [{]1, 10, 0, 0[}]")
  message(SEND_ERROR "[export_cfu_selftest_case] sasim_selftest_data.h lacks the case:\n${case_data}")
endif()
expect(export_cfu_selftest_not_case 2 "vectors/case.yaml: cannot read case"
       ARGS export-cfu --out "${WORK}/proj/not_case" --selftest-case "${SHARED}/vectors")
if(EXISTS "${WORK}/proj/not_case")
  message(SEND_ERROR "[export_cfu_selftest_not_case] a refused export left a folder")
endif()
if(EXISTS "${WORK}/proj/bad" OR EXISTS "${WORK}/proj/named")
  message(SEND_ERROR "[export_cfu_bad_set] a refused export left a folder")
endif()
