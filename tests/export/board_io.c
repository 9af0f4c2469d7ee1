/* The export's self-test as a board program of sasim's (tests/CMakeLists.txt):
   picolibc's stdout on the I/O page's console register, as sasim's board
   model provides it (../shared/board-reference/README.md, "Memory map").
   CFU Playground's runtime does the same on the board's UART. */
#include <stdint.h>
#include <stdio.h>

static int sasim_putc(char c, FILE* file) {
  (void)file;
  *(volatile uint32_t*)0xF0000000u = (uint8_t)c;
  return (uint8_t)c;
}

static FILE sasim_stdio = FDEV_SETUP_STREAM(sasim_putc, NULL, NULL, _FDEV_SETUP_WRITE);
FILE* const stdout = &sasim_stdio;
