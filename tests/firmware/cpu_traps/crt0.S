/* Start-up of the trap calibration programs: stack at the top of the 1 MiB
   test main_ram, .bss cleared, main's return value to the exit register.
   mtvec is 0 until a program sets it (as on the reference testbench). */
  .section .text.start
  .global _start
_start:
  la sp, _fstack
  la t0, _fbss
  la t1, _ebss
1:bgeu t0, t1, 2f
  sw zero, 0(t0)
  addi t0, t0, 4
  j 1b
2:call main
  li t0, 0xF0000004
  sw a0, 0(t0)
3:j 3b
