/* An interrupt-driven UART driver in the shape of LiteX libbase's uart.c
 * (our own code): 128-byte software rings for RX and TX; a write goes
 * straight to the hardware FIFO when the ring is empty and the FIFO has
 * room, else into the ring, which the TX event's handler drains; the RX
 * event's handler moves characters into the RX ring, popping the FIFO by
 * clearing the event. */
#include "soc.h"

#define RING 128
static volatile char rx_buf[RING], tx_buf[RING];
static volatile unsigned rx_prod, rx_cons, tx_prod, tx_cons;

void uart_isr(void) {
  const uint32_t pending = csr_read(CSR_UART_EV_PENDING_ADDR);
  if (pending & 2) {
    while (!csr_read(CSR_UART_RXEMPTY_ADDR)) {
      const unsigned next = (rx_prod + 1) % RING;
      const char c = (char)csr_read(CSR_UART_RXTX_ADDR);
      if (next != rx_cons) {
        rx_buf[rx_prod] = c;
        rx_prod = next;
      }
      csr_write(CSR_UART_EV_PENDING_ADDR, 2);
    }
  }
  if (pending & 1) {
    csr_write(CSR_UART_EV_PENDING_ADDR, 1);
    while (tx_cons != tx_prod && !csr_read(CSR_UART_TXFULL_ADDR)) {
      csr_write(CSR_UART_RXTX_ADDR, (uint8_t)tx_buf[tx_cons]);
      tx_cons = (tx_cons + 1) % RING;
    }
  }
}

void uart_init(void) {
  rx_prod = rx_cons = tx_prod = tx_cons = 0;
  csr_write(CSR_UART_EV_PENDING_ADDR, csr_read(CSR_UART_EV_PENDING_ADDR));
  csr_write(CSR_UART_EV_ENABLE_ADDR, 3);
  irq_setmask(irq_getmask() | (1u << UART_INTERRUPT));
}

void uart_write(char c) {
  const uint32_t mask = irq_getmask();
  irq_setmask(mask & ~(1u << UART_INTERRUPT));
  if (tx_prod == tx_cons && !csr_read(CSR_UART_TXFULL_ADDR)) {
    csr_write(CSR_UART_RXTX_ADDR, (uint8_t)c);
  } else {
    const unsigned next = (tx_prod + 1) % RING;
    while (next == tx_cons) {  /* ring full: let the handler drain it */
      irq_setmask(mask);
      irq_setmask(mask & ~(1u << UART_INTERRUPT));
    }
    tx_buf[tx_prod] = c;
    tx_prod = next;
  }
  irq_setmask(mask);
}

int uart_read_nonblock(void) { return rx_cons != rx_prod; }

char uart_read(void) {
  while (rx_cons == rx_prod) {
  }
  const char c = rx_buf[rx_cons];
  rx_cons = (rx_cons + 1) % RING;
  return c;
}

void put_str(const char* s) {
  for (; *s; ++s) {
    if (*s == '\n') uart_write('\r');
    uart_write(*s);
  }
}

void put_dec(uint64_t v) {
  char b[24];
  int n = 0;
  do {
    b[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) uart_write(b[--n]);
}
