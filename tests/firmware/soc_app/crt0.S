/* Start-up of the SoC test firmware, in the shape of CFU Playground's
   common/src/crt0-vexriscv.S (our own code): stack at the top of main_ram,
   mtvec at the trap entry, .data copied, .bss cleared, MEIE set, main, then
   a spin on `j .` if main returns. The trap entry saves the 16 caller-saved
   registers, calls isr() and returns with mret. */
  .section .text.start
  .global _start
_start:
  j crt_init
  .balign 4
trap_entry:
  addi sp, sp, -64
  sw x1, 0(sp)
  sw x5, 4(sp)
  sw x6, 8(sp)
  sw x7, 12(sp)
  sw x10, 16(sp)
  sw x11, 20(sp)
  sw x12, 24(sp)
  sw x13, 28(sp)
  sw x14, 32(sp)
  sw x15, 36(sp)
  sw x16, 40(sp)
  sw x17, 44(sp)
  sw x28, 48(sp)
  sw x29, 52(sp)
  sw x30, 56(sp)
  sw x31, 60(sp)
  call isr
  lw x1, 0(sp)
  lw x5, 4(sp)
  lw x6, 8(sp)
  lw x7, 12(sp)
  lw x10, 16(sp)
  lw x11, 20(sp)
  lw x12, 24(sp)
  lw x13, 28(sp)
  lw x14, 32(sp)
  lw x15, 36(sp)
  lw x16, 40(sp)
  lw x17, 44(sp)
  lw x28, 48(sp)
  lw x29, 52(sp)
  lw x30, 56(sp)
  lw x31, 60(sp)
  addi sp, sp, 64
  mret

crt_init:
  la sp, _fstack
  la t0, trap_entry
  csrw mtvec, t0
  la t0, _fdata
  la t1, _edata
  la t2, _fdata_rom
1:bgeu t0, t1, 2f
  lw t3, 0(t2)
  sw t3, 0(t0)
  addi t0, t0, 4
  addi t2, t2, 4
  j 1b
2:la t0, _fbss
  la t1, _ebss
3:bgeu t0, t1, 4f
  sw zero, 0(t0)
  addi t0, t0, 4
  j 3b
4:li t0, 0x880
  csrw mie, t0
  call main
infinite_loop:
  j infinite_loop
