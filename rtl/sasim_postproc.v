// ----------------------------------------------------------------------------
// sasim_postproc: the post-processing unit. Holds the per-column bias and
// requantization parameters and the output zero point / activation range,
// and forms the response of READ NEXT and READ RAW.
//
// Contract (src/model/core.cc, read_next() and the RAW case):
//  * rd_go_i at an edge: a READ NEXT/RAW executes; the C line is read from the
//    RAM at the same edge, so c_data_i holds it in the next cycle, and data_o
//    is the response in that cycle (the front end registers it at the next
//    edge: kReadLatency = 2).
//  * NEXT: byte j (j = 0..3) of data_o is requant(C[lane + j] + bias[lane + j])
//    for lane + j < nt (the Nt of the pass that last wrote the bank), else 0.
//  * RAW: data_o = C[lane] unchanged.
//  * Sets = 2 (the im2col extension): a parameter set per C bank; PARAM
//    writes the sets whose bit is in param_sets_i, READ uses the set of the
//    bank it reads (rd_bank_i, with rd_go_i). Sets = 1: one set.
//  * PARAM and SET_OUTPUT write the parameters. Neither reset (rst_i) nor the
//    RESET command changes them, as in the model (plain registers the host
//    rewrites). They power up with the values of a freshly built model (all
//    0, activation range -128 .. 127): FPGA flip-flops take their
//    declaration value at configuration, and so does Verilator.
// ----------------------------------------------------------------------------
module sasim_postproc #(
  parameter integer Cols  = 8,
  parameter integer Sets  = 1,
  parameter integer NtW   = $clog2(Cols + 1),
  parameter integer LaneW = (Cols > 1) ? $clog2(Cols) : 1
) (
  input  wire               clk_i,
  // parameter writes
  input  wire               cfg_we_i,
  input  wire [23:0]        cfg_i,      // zp | act_min << 8 | act_max << 16
  input  wire [Cols-1:0]    bias_we_i,  // per column
  input  wire [31:0]        bias_i,
  input  wire [Cols-1:0]    rq_we_i,    // per column
  input  wire [31:0]        mult_i,
  input  wire [7:0]         shift_i,
  input  wire [1:0]         param_sets_i,  // Sets = 2: bit b = write C bank b's set
  // read
  input  wire               rd_go_i,
  input  wire               rd_raw_i,
  input  wire               rd_bank_i,
  input  wire [LaneW-1:0]   rd_lane_i,
  input  wire [NtW-1:0]     rd_nt_i,
  input  wire [Cols*32-1:0] c_data_i,
  output reg  [31:0]        data_o
);

  // Lane arithmetic needs room for lane + 3 and for Nt = Cols.
  localparam integer LW = ((LaneW > NtW) ? LaneW : NtW) + 3;

  // ---------------------------------------------------------------------------
  // Parameter registers
  // ---------------------------------------------------------------------------
  wire [31:0] bias_w  [0:Cols-1];
  wire [31:0] mult_w  [0:Cols-1];
  wire [7:0]  shift_w [0:Cols-1];
  reg  [7:0]  zp_q      = 8'h00;
  reg  [7:0]  act_min_q = 8'h80;  // -128
  reg  [7:0]  act_max_q = 8'h7f;  // 127

  always @(posedge clk_i) begin
    if (cfg_we_i) begin
      zp_q      <= cfg_i[7:0];
      act_min_q <= cfg_i[15:8];
      act_max_q <= cfg_i[23:16];
    end
  end

  reg bank_q = 1'b0;  // the set of the line being read (Sets = 2)
  always @(posedge clk_i) begin
    if (rd_go_i) bank_q <= rd_bank_i;
  end
  wire unused_sets = ^{param_sets_i, bank_q};  // Sets = 1 reads neither

  genvar gc;
  generate
    for (gc = 0; gc < Cols; gc = gc + 1) begin : g_col
      reg [31:0] bias_q  = 32'd0;
      reg [31:0] mult_q  = 32'd0;
      reg [7:0]  shift_q = 8'd0;
      always @(posedge clk_i) begin
        if (bias_we_i[gc] && (Sets == 1 || param_sets_i[0])) begin
          bias_q <= bias_i;
        end
      end
      always @(posedge clk_i) begin
        if (rq_we_i[gc] && (Sets == 1 || param_sets_i[0])) begin
          mult_q  <= mult_i;
          shift_q <= shift_i;
        end
      end
      if (Sets == 2) begin : g_set1
        reg [31:0] bias1_q  = 32'd0;
        reg [31:0] mult1_q  = 32'd0;
        reg [7:0]  shift1_q = 8'd0;
        always @(posedge clk_i) begin
          if (bias_we_i[gc] && param_sets_i[1]) begin
            bias1_q <= bias_i;
          end
        end
        always @(posedge clk_i) begin
          if (rq_we_i[gc] && param_sets_i[1]) begin
            mult1_q  <= mult_i;
            shift1_q <= shift_i;
          end
        end
        assign bias_w[gc]  = bank_q ? bias1_q : bias_q;
        assign mult_w[gc]  = bank_q ? mult1_q : mult_q;
        assign shift_w[gc] = bank_q ? shift1_q : shift_q;
      end else begin : g_one
        assign bias_w[gc]  = bias_q;
        assign mult_w[gc]  = mult_q;
        assign shift_w[gc] = shift_q;
      end
    end
  endgenerate

  // ---------------------------------------------------------------------------
  // Read context, registered with the C RAM read
  // ---------------------------------------------------------------------------
  reg          raw_q;
  reg [LW-1:0] lane_q, nt_q;
  always @(posedge clk_i) begin
    if (rd_go_i) begin
      raw_q  <= rd_raw_i;
      lane_q <= {{(LW-LaneW){1'b0}}, rd_lane_i};
      nt_q   <= {{(LW-NtW){1'b0}}, rd_nt_i};
    end
  end

  // ---------------------------------------------------------------------------
  // Four lanes of requantization
  // ---------------------------------------------------------------------------
  reg  [31:0]   acc   [0:3];
  reg  [31:0]   bias  [0:3];
  reg  [31:0]   mult  [0:3];
  reg  [7:0]    shift [0:3];
  reg  [3:0]    valid;
  wire [7:0]    q     [0:3];
  reg  [LW-1:0] lane;
  integer       c, j;

  always @* begin
    for (j = 0; j < 4; j = j + 1) begin
      lane     = lane_q + j[LW-1:0];
      valid[j] = (lane < nt_q);
      acc[j]   = 32'd0;
      bias[j]  = 32'd0;
      mult[j]  = 32'd0;
      shift[j] = 8'd0;
      for (c = 0; c < Cols; c = c + 1) begin
        if (lane == c[LW-1:0]) begin
          acc[j]   = c_data_i[c*32 +: 32];
          bias[j]  = bias_w[c];
          mult[j]  = mult_w[c];
          shift[j] = shift_w[c];
        end
      end
    end
  end

  genvar gj;
  generate
    for (gj = 0; gj < 4; gj = gj + 1) begin : g_lane
      sasim_requant u_requant (
        .acc_i     (acc[gj]),
        .bias_i    (bias[gj]),
        .mult_i    (mult[gj]),
        .shift_i   (shift[gj]),
        .zp_i      (zp_q),
        .act_min_i (act_min_q),
        .act_max_i (act_max_q),
        .q_o       (q[gj])
      );
    end
  endgenerate

  always @* begin
    if (raw_q) begin
      data_o = acc[0];
    end else begin
      data_o = {valid[3] ? q[3] : 8'd0, valid[2] ? q[2] : 8'd0,
                valid[1] ? q[1] : 8'd0, valid[0] ? q[0] : 8'd0};
    end
  end

endmodule
