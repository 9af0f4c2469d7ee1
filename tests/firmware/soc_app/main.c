/* The SoC test firmware (tests/firmware/soc_app): a CFU Playground-shaped
 * program of our own for `sasim board`. It boots through crt0.S, greets on
 * the interrupt-driven UART, and serves a menu read from the UART:
 *   1  a CFU loop (the CFU's ID read 1000 times), timed with perf counter 0
 *   2  a CPU loop (a checksum over 4 KiB), timed with mcycle
 *   t  timer0: count down 50,000 cycles, wait for its interrupt
 *   w  the same, waiting in wfi with interrupts off, then taking the
 *      interrupt with them on (the UART's interrupts wake it too)
 *   b  a benchmark for the board model's speed: 2,000 rounds of the CPU
 *      and CFU loops, a dot per round on the UART
 *   m  with the toy user CFU (tests/firmware/user_cfu): a SIMD MAC over
 *      64 word pairs on the CFU and in software, both printed
 *   h  with the toy user CFU: a command it never answers
 *   l  the layer runner's layers (layers.cc): each through sasim's driver,
 *      its cycles beside sasim's estimate, its output checked
 *   e  echo what the UART brings, line by line, until a line "end" (the
 *      tests type a TFLite Micro profile for sasim board --model to read)
 *   z  a wfi with every interrupt masked: nothing can wake it
 *   p  a profile in TFLite Micro's format ("Event","Tag","Ticks", one tick
 *      = 1024 cycles) of the CPU and CFU loops, as an inference prints it
 *   u  touch a register the board model does not model
 *   n  store through a null pointer (the SoC's ROM is at 0)
 *   x  an illegal instruction with no handler set up for it
 *   f  write the sim finish register
 *   q  return from main
 * Each command ends with a line "<n> cycles total". */
#include "soc.h"

static volatile uint32_t timer_events;

void isr(void) {
  const uint32_t p = irq_pending() & irq_getmask();
  if (p & (1u << UART_INTERRUPT)) uart_isr();
  if (p & (1u << TIMER0_INTERRUPT)) {
    csr_write(CSR_TIMER0_EV_PENDING_ADDR, 1);
    ++timer_events;
  }
}

static uint32_t buf[1024];

void run_layers(void);

static void cycles_total(uint64_t n) {
  put_dec(n);
  put_str(" cycles total\n");
}

static uint32_t cfu_sum(void) {
  uint32_t acc = 0;
  for (int i = 0; i < 1000; ++i) acc += CFU_OP(0, 1, acc, i);
  return acc;
}

static uint32_t cpu_sum(void) {
  uint32_t s = 0;
  for (int i = 0; i < 1024; ++i) buf[i] = (uint32_t)i * 2654435761u;
  for (int i = 0; i < 1024; ++i) s = (s << 1 | s >> 31) ^ buf[i];
  return s;
}

static void bench(void) {
  const uint64_t t0 = mcycle64();
  uint32_t s = 0;
  for (int r = 0; r < 2000; ++r) {
    s += cpu_sum() + cfu_sum();
    uart_write('.');
  }
  const uint64_t t1 = mcycle64();
  put_str("\nbench ");
  put_dec(s);
  put_str("\n");
  cycles_total(t1 - t0);
}

static int32_t dot4_sw(uint32_t a, uint32_t b) {
  int32_t s = 0;
  for (int i = 0; i < 4; ++i) s += (int32_t)(int8_t)(a >> (8 * i)) * (int32_t)(int8_t)(b >> (8 * i));
  return s;
}

static void simd_mac(void) {
  uint32_t a = 0x12345678u, b = 0x9abcdef0u, hw = 0;
  int32_t sw = 0;
  CFU_OP(0, 0, 0, 0);
  for (int i = 0; i < 64; ++i) {
    a = a * 1664525u + 1013904223u;
    b = b * 22695477u + 1u;
    hw = CFU_OP(1, 0, a, b);
    sw += dot4_sw(a, b);
  }
  put_str("simd mac cfu ");
  put_dec(hw);
  put_str(" software ");
  put_dec((uint32_t)sw);
  put_str("\n");
}

static void profile(void) {
  uint64_t t[3];
  uint32_t s = 0;
  t[0] = mcycle64();
  s += cpu_sum();
  t[1] = mcycle64();
  s += cfu_sum();
  t[2] = mcycle64();
  put_str("\"Event\",\"Tag\",\"Ticks\"\n");
  put_str("0,CPU_LOOP,");
  put_dec((t[1] - t[0]) >> 10);
  put_str("\n1,CFU_LOOP,");
  put_dec((t[2] - t[1]) >> 10);
  put_str("\n");
  put_dec(t[2] - t[0]);
  put_str(" cycles total (");
  put_dec(s);
  put_str(")\n");
}

static void echo_lines(void) {
  char line[4];
  int n = 0;
  for (;;) {
    const char c = uart_read();
    uart_write(c);
    if (c == '\n') {
      if (n == 3 && line[0] == 'e' && line[1] == 'n' && line[2] == 'd') return;
      n = 0;
    } else if (c != '\r') {
      if (n < 4) line[n] = c;
      ++n;
    }
  }
}

static void cfu_loop(void) {
  perf0_set(0);
  perf0_enable(1);
  uint32_t acc = 0;
  for (int i = 0; i < 1000; ++i) acc += CFU_OP(0, 1, acc, i);
  perf0_enable(0);
  put_str("cfu id sum ");
  put_dec(acc);
  put_str("\n");
  cycles_total(perf0_value());
}

static void cpu_loop(void) {
  const uint64_t t0 = mcycle64();
  uint32_t s = 0;
  for (int i = 0; i < 1024; ++i) buf[i] = (uint32_t)i * 2654435761u;
  for (int i = 0; i < 1024; ++i) s = (s << 1 | s >> 31) ^ buf[i];
  const uint64_t t1 = mcycle64();
  put_str("checksum ");
  put_dec(s);
  put_str("\n");
  cycles_total(t1 - t0);
}

/* timer0 counts 50,000 cycles down once, its interrupt unmasked. */
static void timer_start(void) {
  timer_events = 0;
  csr_write(CSR_TIMER0_EN_ADDR, 0);
  csr_write(CSR_TIMER0_LOAD_ADDR, 50000);
  csr_write(CSR_TIMER0_RELOAD_ADDR, 0);
  csr_write(CSR_TIMER0_EV_PENDING_ADDR, 1);
  csr_write(CSR_TIMER0_EV_ENABLE_ADDR, 1);
  irq_setmask(irq_getmask() | (1u << TIMER0_INTERRUPT));
  csr_write(CSR_TIMER0_EN_ADDR, 1);
}

static void timer_wait(void) {
  const uint64_t t0 = mcycle64();
  timer_start();
  while (timer_events == 0) {
  }
  const uint64_t t1 = mcycle64();
  irq_setmask(irq_getmask() & ~(1u << TIMER0_INTERRUPT));
  put_str("timer event\n");
  cycles_total(t1 - t0);
}

static void timer_wfi(void) {
  const uint64_t t0 = mcycle64();
  timer_start();
  for (;;) {
    irq_setie(0);
    if (timer_events) break;
    __asm__ volatile("wfi");
    /* A pending interrupt is taken in these nops: MIE counts from the
       cycle after the csrsi's execute, and interrupt_valid a cycle later
       (docs/cpu-model.md); a csrci right behind it would withdraw it. */
    irq_setie(1);
    __asm__ volatile("nop\n nop\n nop\n nop");
  }
  irq_setie(1);
  const uint64_t t1 = mcycle64();
  irq_setmask(irq_getmask() & ~(1u << TIMER0_INTERRUPT));
  put_str("timer event after wfi\n");
  cycles_total(t1 - t0);
}

int main(void) {
  irq_setmask(0);
  irq_setie(1);
  uart_init();
  put_str("\nHello from the sasim SoC test firmware!\n");
  csr_write(CSR_LEDS_OUT_ADDR, 0x5);
  for (;;) {
    put_str("main> ");
    const char c = uart_read();
    uart_write(c);
    put_str("\n");
    switch (c) {
      case '1': cfu_loop(); break;
      case '2': cpu_loop(); break;
      case 't': timer_wait(); break;
      case 'w': timer_wfi(); break;
      case 'z': irq_setmask(0); __asm__ volatile("wfi"); break;
      case 'b': bench(); break;
      case 'm': simd_mac(); break;
      case 'l': run_layers(); break;
      case 'p': profile(); break;
      case 'e': echo_lines(); break;
      case 'h': put_str("hang\n"); (void)CFU_OP(7, 0, 0, 0); break;
      case 'u': csr_write(CSR_UNMODELLED_THING_REG_ADDR, 1); break;
      case 'n': *(volatile uint32_t*)(uintptr_t)timer_events = 1; break;
      case 'x': __asm__ volatile(".word 0xffffffff"); break;
      case 'f':
        put_str("bye\n");
        while (!csr_read(CSR_UART_TXEMPTY_ADDR)) {
        }
        csr_write(CSR_SIM_FINISH_FINISH_ADDR, 1);
        break;
      case 'q': return 0;
      default: put_str("?\n"); break;
    }
  }
}
