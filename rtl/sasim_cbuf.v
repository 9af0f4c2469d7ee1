// ----------------------------------------------------------------------------
// sasim_cbuf: the int32 result buffer C, Lines lines of Cols lanes per bank,
// two banks when Double (else bank 0 only).
//
// Contract:
//  * Array port: arr_we_i writes lanes arr_wmask_i of line arr_wline_i in bank
//    arr_bank_i: clear ? data : old + data (wrapping int32). The old value
//    comes from a read the array issues one edge earlier (arr_rline_i), which
//    is why the array presents each write line one cycle ahead on
//    arr_rline_i. While arr_busy_i, the read port of bank arr_bank_i belongs
//    to the array.
//  * Host port: host_line_i of bank host_bank_i is sampled at every edge at
//    which the array does not own that bank's read port; host_data_o is that
//    line in the following cycle. The controller only executes a host READ
//    of a bank the array is not writing (the model's interlock), so the two
//    users never collide.
//
// Organisation: one 32-bit block RAM per lane and bank, so that a write of
// Nt < Cols lanes needs no byte enables and the host reads any lane.
// ----------------------------------------------------------------------------
module sasim_cbuf #(
  parameter integer Cols   = 8,
  parameter integer Lines  = 128,
  parameter integer Double = 1,
  parameter integer LineW  = (Lines > 1) ? $clog2(Lines) : 1
) (
  input  wire                 clk_i,
  // array side
  input  wire                 arr_busy_i,
  input  wire                 arr_bank_i,
  input  wire [LineW-1:0]     arr_rline_i,
  input  wire                 arr_we_i,
  input  wire                 arr_clear_i,
  input  wire [LineW-1:0]     arr_wline_i,
  input  wire [Cols-1:0]      arr_wmask_i,
  input  wire [Cols*32-1:0]   arr_wdata_i,
  // host side
  input  wire                 host_bank_i,
  input  wire [LineW-1:0]     host_line_i,
  output wire [Cols*32-1:0]   host_data_o
);

  localparam integer Banks = (Double != 0) ? 2 : 1;

  // Read data of every RAM, bank-major: lane c of bank b at (b * Cols + c) * 32.
  wire [Banks*Cols*32-1:0] rdata;

  genvar b, c;
  generate
    for (b = 0; b < Banks; b = b + 1) begin : g_bank
      wire mine  = (Banks == 1) || (b == 0 ? !arr_bank_i : arr_bank_i);
      wire [LineW-1:0] raddr = (arr_busy_i && mine) ? arr_rline_i : host_line_i;
      for (c = 0; c < Cols; c = c + 1) begin : g_lane
        wire [31:0] old_v = rdata[(b*Cols+c)*32 +: 32];
        wire [31:0] new_v = arr_wdata_i[c*32 +: 32];
        sasim_ram_sdp #(
          .Width (32),
          .Depth (Lines)
        ) u_ram (
          .clk_i   (clk_i),
          .we_i    (arr_we_i && mine && arr_wmask_i[c]),
          .waddr_i (arr_wline_i),
          .wdata_i (arr_clear_i ? new_v : old_v + new_v),
          .raddr_i (raddr),
          .rdata_o (rdata[(b*Cols+c)*32 +: 32])
        );
      end
    end
  endgenerate

  reg host_bank_q;
  always @(posedge clk_i) begin
    host_bank_q <= host_bank_i;
  end
  assign host_data_o = (Banks == 2 && host_bank_q) ? rdata[(Banks-1)*Cols*32 +: Cols*32] : rdata[0 +: Cols*32];

endmodule
