/* Start-up of sasim's board programs (rv32im, bare metal): stack at the top of
   main_ram, .bss cleared (.noinit is not: sasim fills it before start), call
   main, then store its return value to the I/O page's exit register. */
  .section .text.start, "ax"
  .global _start
_start:
  .option push
  .option norelax
  la gp, __global_pointer$
  .option pop
  la sp, __stack_top
  la t0, __bss_start
  la t1, __bss_end
clear_bss:
  bgeu t0, t1, bss_done
  sw zero, 0(t0)
  addi t0, t0, 4
  j clear_bss
bss_done:
  call main
  li t0, 0xF0000004
  sw a0, 0(t0)
halt:
  j halt
