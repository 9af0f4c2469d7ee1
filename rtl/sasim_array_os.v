// ----------------------------------------------------------------------------
// sasim_array_os: the output-stationary systolic array and its pass sequencer.
//
// Contract (src/model/core.cc, OsArray; u = pass cycle, the step at the u-th
// rising edge after the edge at which START executes):
//  * start_i begins a pass of T = Kt + Mt + Nt - 1 cycles; busy_o is 1 for
//    cycles 0 .. T-1, finishing_o marks cycle T-1 (the next START may
//    execute there). The accumulators and operand registers are cleared at
//    the START edge.
//  * PE (r, c) accumulates C[r][c]. A line k, lane r enters PE row r at cycle
//    k + r and moves right; B line k, lane c enters PE column c at cycle
//    k + c and moves down; PE (r, c) performs step k at cycle k + r + c.
//  * C line r (lanes c < Nt) is written from the registered accumulators at
//    cycle Kt + Nt - 1 + r.
//  * a_line_o / b_line_o / c_rline_o are the lines the next cycle needs
//    (prefetch into the synchronous RAMs); line 0 when no pass continues
//    into the next cycle, since only a new pass's cycle 0 can follow.
//  * abort_i (soft reset) stops a pass; the C writes of earlier cycles stay.
//    keep_b_i has no meaning in this dataflow (both operands stream).
//
// Every PE is updated in every busy cycle. Operand lines outside 0 .. Kt-1
// enter as zeros, so PEs outside the model's band of valid steps only ever
// add 0 and the accumulators equal the model's.
// ----------------------------------------------------------------------------
module sasim_array_os #(
  parameter integer Rows   = 8,
  parameter integer Cols   = 8,
  parameter integer ALines = 1024,
  parameter integer BLines = 1024,
  parameter integer CLines = 128,
  // Largest legal Mt and Kt of a pass (the controller validates START
  // against them; see Cfu) and the widths derived from them.
  parameter integer MaxMt  = 8,
  parameter integer MaxKt  = 1024,
  parameter integer MtW    = $clog2(MaxMt + 1),
  parameter integer KtW    = $clog2(MaxKt + 1),
  parameter integer NtW    = $clog2(Cols + 1),
  parameter integer ALineW = (ALines > 1) ? $clog2(ALines) : 1,
  parameter integer BLineW = (BLines > 1) ? $clog2(BLines) : 1,
  parameter integer CLineW = (CLines > 1) ? $clog2(CLines) : 1
) (
  input  wire                 clk_i,
  input  wire                 rst_i,
  // pass control
  input  wire                 start_i,
  input  wire [MtW-1:0]       mt_i,
  input  wire [KtW-1:0]       kt_i,
  input  wire [NtW-1:0]       nt_i,
  input  wire                 keep_b_i,
  input  wire                 abort_i,
  output wire                 busy_o,
  output wire                 finishing_o,
  // operand buffers
  output wire [ALineW-1:0]    a_line_o,
  output wire [BLineW-1:0]    b_line_o,
  input  wire [Rows*8-1:0]    a_data_i,
  input  wire [Cols*8-1:0]    b_data_i,
  // result buffer
  output wire [CLineW-1:0]    c_rline_o,
  output wire                 c_we_o,
  output wire [CLineW-1:0]    c_wline_o,
  output wire [Cols-1:0]      c_wmask_o,
  output wire [Cols*32-1:0]   c_wdata_o
);

  // Cycle counter width: holds T (<= MaxKt + MaxMt + Cols - 1), every line
  // index and Rows, plus one spare bit so that zero-extensions are never empty.
  localparam integer MaxT = MaxKt + MaxMt + Cols + Rows;
  localparam integer W0   = $clog2(MaxT + 1);
  localparam integer W1   = (W0 > ALineW) ? W0 : ALineW;
  localparam integer W2   = (W1 > BLineW) ? W1 : BLineW;
  localparam integer W3   = (W2 > CLineW) ? W2 : CLineW;
  localparam integer UW   = W3 + 1;
  localparam [UW-1:0] UOne = 1;

  wire unused_keep_b = keep_b_i;

  // ---------------------------------------------------------------------------
  // Pass sequencer
  // ---------------------------------------------------------------------------
  reg          busy_q;
  reg [UW-1:0] u_q;      // current pass cycle
  reg [UW-1:0] t_q;      // T
  reg [UW-1:0] dbase_q;  // cycle at which C line 0 is written: Kt + Nt - 1
  reg [UW-1:0] mt_q;
  reg [UW-1:0] kt_q;
  reg [UW-1:0] nt_q;

  wire [UW-1:0] mt_u = {{(UW-MtW){1'b0}}, mt_i};
  wire [UW-1:0] kt_u = {{(UW-KtW){1'b0}}, kt_i};
  wire [UW-1:0] nt_u = {{(UW-NtW){1'b0}}, nt_i};

  // The pass's last cycle, busy_q && u_q + 1 == t_q, kept in a register
  // (set one edge ahead) so that the START interlock and a sequence's next
  // pass do not wait for the compare. A pass lasts at least 2 cycles, so a
  // START never makes its first cycle the last.
  reg  fin_q;
  wire finishing = fin_q;
  localparam [UW-1:0] UTwo = 2;
  always @(posedge clk_i) begin
    if (rst_i) fin_q <= 1'b0;
    else if (start_i) fin_q <= 1'b0;
    else if (abort_i || finishing) fin_q <= 1'b0;
    else if (busy_q) fin_q <= (u_q + UTwo == t_q);
  end
  assign busy_o      = busy_q;
  assign finishing_o = finishing;

  always @(posedge clk_i) begin
    if (rst_i) begin
      busy_q  <= 1'b0;
      u_q     <= {UW{1'b0}};
      t_q     <= {UW{1'b0}};
      dbase_q <= {UW{1'b0}};
      mt_q    <= {UW{1'b0}};
      kt_q    <= {UW{1'b0}};
      nt_q    <= {UW{1'b0}};
    end else if (start_i) begin
      busy_q  <= 1'b1;
      u_q     <= {UW{1'b0}};
      t_q     <= kt_u + mt_u + nt_u - UOne;
      dbase_q <= kt_u + nt_u - UOne;
      mt_q    <= mt_u;
      kt_q    <= kt_u;
      nt_q    <= nt_u;
    end else if (abort_i || finishing) begin
      busy_q  <= 1'b0;
    end else if (busy_q) begin
      u_q     <= u_q + UOne;
    end
  end

  // ---------------------------------------------------------------------------
  // Prefetch for the next cycle (un): A and B line un while un < Kt, and
  // whether that line is part of the pass (else zeros enter the array).
  // ---------------------------------------------------------------------------
  wire          cont    = busy_q && !finishing;  // this pass continues
  wire [UW-1:0] un      = cont ? u_q + UOne : {UW{1'b0}};
  wire [UW-1:0] k_line  = (un < kt_q) ? un : {UW{1'b0}};
  wire [UW-1:0] c_rl    = (un >= dbase_q) ? un - dbase_q : {UW{1'b0}};
  assign a_line_o  = k_line[ALineW-1:0];
  assign b_line_o  = k_line[BLineW-1:0];
  assign c_rline_o = c_rl[CLineW-1:0];
  // Line values fit their buffer's index; the counter's extra bits are zero.
  wire unused_line_hi = ^{k_line[UW-1:ALineW], k_line[UW-1:BLineW], c_rl[UW-1:CLineW]};

  reg k_valid_q;  // the operand lines of this cycle belong to the pass
  always @(posedge clk_i) begin
    k_valid_q <= cont ? (un < kt_q) : 1'b1;
  end

  // ---------------------------------------------------------------------------
  // PE grid. PE (r, c) is g_row[r].g_col[c]; its outputs are at r * Cols + c.
  // ---------------------------------------------------------------------------
  wire [7:0]  a_in  [0:Rows-1];       // entering PE (r, 0) this cycle
  wire [7:0]  b_in  [0:Cols-1];       // entering PE (0, c) this cycle
  wire [7:0]  a_w   [0:Rows*Cols-1];
  wire [7:0]  b_w   [0:Rows*Cols-1];
  wire [31:0] acc_w [0:Rows*Cols-1];
  wire [Rows*8-1:0] a_gated = k_valid_q ? a_data_i : {(Rows*8){1'b0}};
  wire [Cols*8-1:0] b_gated = k_valid_q ? b_data_i : {(Cols*8){1'b0}};

  // Input skew: lane i of an operand line reaches the array edge i cycles
  // later; cleared at START like the model's operand registers.
  genvar gr, gc;
  generate
    for (gr = 0; gr < Rows; gr = gr + 1) begin : g_askew
      if (gr == 0) begin : g_direct
        assign a_in[gr] = a_gated[7:0];
      end else begin : g_skew
        reg [gr*8-1:0] skew_q;  // byte k: the lane's value k + 1 cycles ago
        if (gr == 1) begin : g_one
          always @(posedge clk_i) begin
            if (start_i) skew_q <= 8'd0;
            else if (busy_q) skew_q <= a_gated[gr*8 +: 8];
          end
        end else begin : g_more
          always @(posedge clk_i) begin
            if (start_i) skew_q <= {(gr*8){1'b0}};
            else if (busy_q) skew_q <= {skew_q[(gr-1)*8-1:0], a_gated[gr*8 +: 8]};
          end
        end
        assign a_in[gr] = skew_q[gr*8-1 -: 8];
      end
    end
    for (gc = 0; gc < Cols; gc = gc + 1) begin : g_bskew
      if (gc == 0) begin : g_direct
        assign b_in[gc] = b_gated[7:0];
      end else begin : g_skew
        reg [gc*8-1:0] skew_q;
        if (gc == 1) begin : g_one
          always @(posedge clk_i) begin
            if (start_i) skew_q <= 8'd0;
            else if (busy_q) skew_q <= b_gated[gc*8 +: 8];
          end
        end else begin : g_more
          always @(posedge clk_i) begin
            if (start_i) skew_q <= {(gc*8){1'b0}};
            else if (busy_q) skew_q <= {skew_q[(gc-1)*8-1:0], b_gated[gc*8 +: 8]};
          end
        end
        assign b_in[gc] = skew_q[gc*8-1 -: 8];
      end
    end
    for (gr = 0; gr < Rows; gr = gr + 1) begin : g_row
      for (gc = 0; gc < Cols; gc = gc + 1) begin : g_col
        sasim_pe_os u_pe (
          .clk_i   (clk_i),
          .clear_i (start_i),
          .en_i    (busy_q),
          .a_i     ((gc == 0) ? a_in[gr] : a_w[gr*Cols + gc - 1]),
          .b_i     ((gr == 0) ? b_in[gc] : b_w[(gr-1)*Cols + gc]),
          .a_o     (a_w[gr*Cols + gc]),
          .b_o     (b_w[gr*Cols + gc]),
          .acc_o   (acc_w[gr*Cols + gc])
        );
      end
    end
  endgenerate

  // ---------------------------------------------------------------------------
  // Drain: C line dl = u - (Kt + Nt - 1) from accumulator row dl.
  // ---------------------------------------------------------------------------
  wire [UW-1:0] dl = u_q - dbase_q;
  reg  [31:0]   wdata [0:Cols-1];
  integer r, c;

  always @* begin
    for (c = 0; c < Cols; c = c + 1) begin
      wdata[c] = acc_w[c];
      for (r = 1; r < Rows; r = r + 1) begin
        if (dl == r[UW-1:0]) begin
          wdata[c] = acc_w[r*Cols + c];
        end
      end
    end
  end

  assign c_we_o    = busy_q && (u_q >= dbase_q) && (dl < mt_q);
  assign c_wline_o = dl[CLineW-1:0];

  generate
    for (gc = 0; gc < Cols; gc = gc + 1) begin : g_cout
      localparam [UW-1:0] Lane = gc;
      assign c_wmask_o[gc]          = (Lane < nt_q);
      assign c_wdata_o[gc*32 +: 32] = wdata[gc];
    end
  endgenerate

endmodule
