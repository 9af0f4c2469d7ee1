// ----------------------------------------------------------------------------
// sasim_opbuf: one int8 operand buffer of the accelerator: A, B, or the
// weight store W (single-buffered, Lanes = Cols).
//
// Contract (src/model/core.h, Buffers; driver/cfu_isa.h):
//  * A bank holds Lines lines of Lanes int8 lanes; line l, lane i is byte
//    l * Pitch + i of the bank, Pitch = line_pitch(Lanes).
//  * Double = 1: two banks. The host writes the shadow bank (wr_bank_i), the
//    array reads the active one (rd_bank_i); the controller swaps them.
//    Double = 0: bank 0 only; wr_bank_i and rd_bank_i are ignored.
//  * wr_i: the 8 bytes wr_data_i (byte i = bits 8i+7..8i) are stored at the
//    byte write pointer, which then advances by 8. Bytes at or beyond the end
//    of the bank are dropped (the pointer saturates there; the host cannot
//    observe the pointer, so this equals the model's ever-growing pointer).
//    ptr_clear_i resets the pointer to 0 (START without keep, soft reset);
//    it wins over wr_i (they never coincide: one command per edge).
//  * fill_i (A_FILL, the A buffer; 0 for B and W): a WRITE that fills part
//    fill_i - 1 of a line (Pitch > 8: Parts 8-byte parts a line) moves the
//    pointer to the next line's part 0, the rest of the line unwritten (0,
//    or Parts and above: every part, as without it).
//  * seek_i (the weight store's W_SEEK; 0 for A and B): the pointer :=
//    byte seek_line_i * Pitch, which the caller guarantees is a multiple of
//    8 inside the bank (seek_line_i < Lines). Never together with wr_i or
//    ptr_clear_i (one command per edge).
//  * The output keep (Keep = 1, the A buffer only; docs/command-set.md,
//    "(keep)"): kw_i writes the 4 bytes kw_data_i (byte i = bits 8i+7..8i)
//    at bytes kw_byte_i .. kw_byte_i + 3 of bank wr_bank_i (the shadow
//    bank; bank 0 when Double = 0), kw_byte_i a multiple of 4 (bits 1:0
//    ignored); bytes at or past the end of the bank (Lines * Pitch) are
//    dropped. The write pointer does not move. Never together with wr_i
//    (one command per edge). The caller guarantees that Pitch is a power of
//    two, so that byte b is in RAM word b / 8 (Pitch <= 8: the bank's words
//    in order; Pitch > 8: line b / Pitch at the same address in every
//    part, part (b / 8) mod Parts) and its 32-bit half (b / 4) mod 2.
//    Where a write past the end of a bank shares its last 32-bit half with
//    the bank's last bytes (Lines * Pitch not a multiple of 4), the bytes
//    past the end are written too: no line holds them, no read returns them.
//    With Double = 0 a keep write can reach the bank a running pass reads
//    (READ NEXT has no interlock on A): a line read at the same edge gets
//    the old word here, while the model's pass takes lane r of a line r + 1
//    edges after this RAM does; the two agree only when no keep write
//    falls in between (docs/microarchitecture.md, the output keep in the
//    RTL; the lock-step tests do not generate it).
//  * rd_line_i is sampled at the rising edge; line_o is that line of bank
//    rd_bank_i in the following cycle (rd_bank_i is used in that cycle, so
//    the caller passes its registered active bank).
//
// Organisation: each bank is Parts block RAMs of 64-bit words, one WRITE per
// word (with the keep: byte write enables, a keep write sets four). Pitch <= 8 (a power of two): 8 / Pitch lines share a word, so a line
// read selects a slice of the word. Pitch > 8 (a multiple of 8): a line is
// Parts words at the same address, one per RAM, and a WRITE fills one part.
// ----------------------------------------------------------------------------
module sasim_opbuf #(
  parameter integer Lanes  = 8,
  parameter integer Lines  = 1024,
  parameter integer Double = 1,
  // The output keep's write port (kw_*): 1 only for the A buffer of a Cfu
  // that has the keep (Pitch then a power of two).
  parameter integer Keep   = 0,
  parameter integer LineW  = (Lines > 1) ? $clog2(Lines) : 1
) (
  input  wire               clk_i,
  input  wire               rst_i,
  // host side
  input  wire               wr_i,
  input  wire               wr_bank_i,
  input  wire [63:0]        wr_data_i,
  input  wire               ptr_clear_i,
  input  wire [7:0]         fill_i,
  input  wire               seek_i,
  input  wire [LineW-1:0]   seek_line_i,
  // the output keep (Keep = 1; else tied to 0)
  input  wire               kw_i,
  input  wire [31:0]        kw_byte_i,
  input  wire [31:0]        kw_data_i,
  // array side
  input  wire [LineW-1:0]   rd_line_i,
  input  wire               rd_bank_i,
  output wire [Lanes*8-1:0] line_o
);

  localparam integer Pitch   = (Lanes <= 1) ? 1 : (Lanes <= 2) ? 2 : (Lanes <= 4) ? 4 : ((Lanes + 7) / 8) * 8;
  localparam integer Parts   = (Pitch <= 8) ? 1 : Pitch / 8;
  localparam integer PerWord = (Pitch <= 8) ? 8 / Pitch : 1;        // lines per 64-bit word
  localparam integer SlotW   = (PerWord > 1) ? $clog2(PerWord) : 1;
  localparam integer SlotSh  = (PerWord > 1) ? $clog2(PerWord) : 0;  // line -> word shift
  localparam integer Depth   = (Pitch <= 8) ? (Lines * Pitch + 7) / 8 : Lines;
  localparam integer AddrW   = (Depth > 1) ? $clog2(Depth) : 1;
  localparam integer WordW   = $clog2(Depth + 1);                    // counts 0..Depth
  localparam integer PartW   = (Parts > 1) ? $clog2(Parts) : 1;
  localparam integer Banks   = (Double != 0) ? 2 : 1;

  localparam integer     PartMax  = Parts - 1;
  localparam [WordW-1:0] WordEnd  = Depth[WordW-1:0];
  localparam [WordW-1:0] WordOne  = 1;
  localparam [PartW-1:0] PartLast = PartMax[PartW-1:0];
  localparam [PartW-1:0] PartOne  = 1;

  // ---------------------------------------------------------------------------
  // Write pointer: word index (saturating at Depth) and part within the word.
  // ---------------------------------------------------------------------------
  reg  [WordW-1:0] wword_q;
  reg  [PartW-1:0] wpart_q;
  wire             wfull = (wword_q == WordEnd);
  // The line's last part written: its last one, or A_FILL's.
  wire [8:0]       wpart1 = {{(9-PartW){1'b0}}, wpart_q} + 9'd1;
  wire             wlast  = (Parts == 1) || (wpart_q == PartLast) || ((fill_i != 8'd0) && (wpart1 == {1'b0, fill_i}));
  // A seek's word: line * Pitch / 8 (Pitch <= 8: the line's word; above:
  // the line's address, part 0). WordW <= LineW + 1, so it fits.
  wire [LineW:0]   sword = {1'b0, seek_line_i} >> SlotSh;
  wire             unused_sword = ^sword;

  always @(posedge clk_i) begin
    if (rst_i || ptr_clear_i) begin
      wword_q <= {WordW{1'b0}};
      wpart_q <= {PartW{1'b0}};
    end else if (seek_i) begin
      wword_q <= sword[WordW-1:0];
      wpart_q <= {PartW{1'b0}};
    end else if (wr_i && !wfull) begin
      if (wlast) begin
        wpart_q <= {PartW{1'b0}};
        wword_q <= wword_q + WordOne;
      end else begin
        wpart_q <= wpart_q + PartOne;
      end
    end
  end

  // ---------------------------------------------------------------------------
  // The keep write: the RAM word, part and half of byte kw_byte_i, and
  // whether it lies in the bank (its 32-bit half starts before the end).
  // ---------------------------------------------------------------------------
  localparam integer PartSh  = (Parts > 1) ? $clog2(Parts) : 0;
  localparam integer HalfEnd = (Lines * Pitch + 3) / 4;  // 32-bit halves holding a byte of the bank
  localparam [31:0]  HalfEndU = HalfEnd;
  localparam integer WeCols  = (Keep != 0) ? 8 : 1;
  wire              kw      = (Keep != 0) && kw_i;
  wire              kw_in   = kw && ({2'b00, kw_byte_i[31:2]} < HalfEndU);
  wire [28:0]       kw_word = kw_byte_i[31:3];
  wire [28:0]       kw_line = kw_word >> PartSh;
  wire [AddrW-1:0]  kw_addr = kw_line[AddrW-1:0];        // in the bank: the upper bits are 0
  wire [PartW-1:0]  kw_part = (Parts > 1) ? kw_word[PartW-1:0] : {PartW{1'b0}};
  wire              kw_hi   = kw_byte_i[2];
  wire              unused_kw = ^{kw_byte_i[1:0], kw_line, kw_hi};

  // ---------------------------------------------------------------------------
  // Banks of RAM: one write port, WRITE's 8 bytes or the keep's 4.
  // ---------------------------------------------------------------------------
  wire [AddrW-1:0]      waddr = kw ? kw_addr : wword_q[AddrW-1:0];
  wire [PartW-1:0]      wpart = kw ? kw_part : wpart_q;
  wire                  w_on  = kw ? kw_in : (wr_i && !wfull);
  wire [63:0]           wdata = kw ? {kw_data_i, kw_data_i} : wr_data_i;
  wire [WeCols-1:0]     wcols;
  generate
    if (Keep != 0) begin : g_kw_cols
      assign wcols = !kw ? 8'hff : kw_hi ? 8'hf0 : 8'h0f;
    end else begin : g_no_kw_cols
      assign wcols = 1'b1;
    end
  endgenerate
  wire [LineW:0]        rword = {1'b0, rd_line_i} >> SlotSh;
  wire [AddrW-1:0]      raddr = rword[AddrW-1:0];  // < Depth: the upper bits are 0
  wire                  unused_rword = ^rword[LineW:AddrW];
  wire [Banks*Parts*64-1:0] bank_data;  // part p of bank b at (b * Parts + p) * 64

  genvar b, p;
  generate
    for (b = 0; b < Banks; b = b + 1) begin : g_bank
      // Double-buffered: the write goes to the shadow bank only.
      wire bank_we = w_on && ((Banks == 1) || (b == 0 ? !wr_bank_i : wr_bank_i));
      for (p = 0; p < Parts; p = p + 1) begin : g_part
        localparam [PartW-1:0] PartIdx = p;
        sasim_ram_sdp #(
          .Width  (64),
          .Depth  (Depth),
          .WeCols (WeCols)
        ) u_ram (
          .clk_i   (clk_i),
          .we_i    (wcols & {WeCols{bank_we && ((Parts == 1) || (wpart == PartIdx))}}),
          .waddr_i (waddr),
          .wdata_i (wdata),
          .raddr_i (raddr),
          .rdata_o (bank_data[(b*Parts+p)*64 +: 64])
        );
      end
    end
  endgenerate

  // Which line of the word was read (Pitch <= 8), for the cycle of the data.
  reg [SlotW-1:0] slot_q;
  always @(posedge clk_i) begin
    slot_q <= (PerWord > 1) ? rd_line_i[SlotW-1:0] : {SlotW{1'b0}};
  end

  wire [Parts*64-1:0] word = (Banks == 2 && rd_bank_i) ? bank_data[(Banks-1)*Parts*64 +: Parts*64]
                                                     : bank_data[0 +: Parts*64];
  assign line_o = word[slot_q * (Pitch * 8) +: Lanes * 8];

endmodule
