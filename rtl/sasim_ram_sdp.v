// ----------------------------------------------------------------------------
// sasim_ram_sdp: simple dual-port RAM, one synchronous write port and one
// synchronous read port on the same clock.
//
// Contract:
//  * Write: the word is divided into WeCols columns of Width / WeCols bits
//    (1 column: the whole word); column i of mem[waddr_i] := column i of
//    wdata_i at the rising edge when we_i[i].
//  * Read: rdata_o holds mem[raddr_i] as sampled at the last rising edge
//    (one cycle of latency, registered output), every cycle.
//  * The users never read an address in the same edge it is written, so the
//    read-during-write behaviour (old or new data) is not relied upon (one
//    exception, outside the contract with the model: the output keep's
//    write into a single-buffered A bank while a pass reads it; see
//    sasim_opbuf).
//  * No reset and no initial contents: block RAM powers up as zeros on the
//    FPGA, as do the C++ model's buffers; Verilator also starts it at zero.
//
// This is the standard template that Vivado and Yosys map to block RAM
// (RAMB18/RAMB36, or distributed RAM when small): registered read, no reset
// on the memory array, no read enable needed; with WeCols > 1 Vivado's
// byte-write-enable template (columns of 8 bits: the RAMB36E1's byte write
// enables).
// ----------------------------------------------------------------------------
module sasim_ram_sdp #(
  parameter integer Width  = 32,
  parameter integer Depth  = 16,
  // Write-enable columns (Width a multiple of it; 8-bit columns for block
  // RAM byte enables).
  parameter integer WeCols = 1,
  // Address width; at least 1 so that a one-entry memory still has a port.
  parameter integer AddrW = (Depth > 1) ? $clog2(Depth) : 1
) (
  input  wire              clk_i,
  input  wire [WeCols-1:0] we_i,
  input  wire [AddrW-1:0]  waddr_i,
  input  wire [Width-1:0]  wdata_i,
  input  wire [AddrW-1:0]  raddr_i,
  output reg  [Width-1:0]  rdata_o
);

  localparam integer ColW = Width / WeCols;

  reg [Width-1:0] mem_q [0:Depth-1];

  generate
    if (WeCols == 1) begin : g_word
      always @(posedge clk_i) begin
        if (we_i[0]) begin
          mem_q[waddr_i] <= wdata_i;
        end
        rdata_o <= mem_q[raddr_i];
      end
    end else begin : g_cols
      integer i;
      always @(posedge clk_i) begin
        for (i = 0; i < WeCols; i = i + 1) begin
          if (we_i[i]) begin
            mem_q[waddr_i][i*ColW +: ColW] <= wdata_i[i*ColW +: ColW];
          end
        end
        rdata_o <= mem_q[raddr_i];
      end
    end
  endgenerate

endmodule
