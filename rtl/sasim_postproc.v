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
//  * Prefetch = 1 (array.read_prefetch): READ NEXT does not use the path
//    above; the unit computes the words ahead of the read pointer in a
//    pipeline (docs/command-set.md, "READ NEXT"; the model's pf_* in
//    src/model/core.cc). A word starts at an edge (one C RAM read of line
//    pf_line_o) when fewer than PfDepth words are started and not yet read,
//    the position is inside the buffer, the bank has been written, the array
//    is not writing it (pf_block_i) and no flush comes at that edge; it is
//    in the FIFO PfLatency - 1 edges later (stages s1..s6, then the FIFO), so
//    a READ NEXT at edge t + PfLatency takes it (pf_ready_o, pf_data_o,
//    pf_pop_i). pf_flush_i empties it all and restarts at the read pointer
//    after that edge (pf_*_n_i). RAW keeps the path above.
//  * PARAM and SET_OUTPUT write the parameters. Neither reset (rst_i) nor the
//    RESET command changes them, as in the model (plain registers the host
//    rewrites). They power up with the values of a freshly built model (all
//    0, activation range -128 .. 127): FPGA flip-flops take their
//    declaration value at configuration, and so does Verilator.
// ----------------------------------------------------------------------------
module sasim_postproc #(
  parameter integer Cols     = 8,
  parameter integer Sets     = 1,
  parameter integer Prefetch = 1,
  parameter integer CLines   = 128,
  parameter integer NtW      = $clog2(Cols + 1),
  parameter integer LaneW    = (Cols > 1) ? $clog2(Cols) : 1,
  parameter integer CLineW   = (CLines > 1) ? $clog2(CLines) : 1
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
  output reg  [31:0]        data_o,
  // prefetch (Prefetch = 1)
  input  wire               pf_flush_i,
  input  wire [CLineW-1:0]  pf_line_n_i,  // the read pointer after this edge
  input  wire [LaneW-1:0]   pf_lane_n_i,
  input  wire               pf_oob_n_i,
  input  wire               pf_block_i,   // the array writes the bank being read
  input  wire               pf_pop_i,     // a READ NEXT takes the FIFO's head
  output wire [CLineW-1:0]  pf_line_o,    // the C line the prefetch reads
  output wire               pf_ready_o,
  output wire [31:0]        pf_data_o
);

  // Lane arithmetic needs room for lane + 3 and for Nt = Cols.
  localparam integer LW = ((LaneW > NtW) ? LaneW : NtW) + 3;

  // ---------------------------------------------------------------------------
  // Parameter registers
  // ---------------------------------------------------------------------------
  wire [31:0] bias_w  [0:Cols-1];  // the set of the line being read (READ path)
  wire [31:0] mult_w  [0:Cols-1];
  wire [7:0]  shift_w [0:Cols-1];
  wire [31:0] bias_s0 [0:Cols-1];  // set 0 and set 1 (the prefetch picks per word)
  wire [31:0] mult_s0 [0:Cols-1];
  wire [7:0]  shift_s0[0:Cols-1];
  wire [31:0] bias_s1 [0:Cols-1];
  wire [31:0] mult_s1 [0:Cols-1];
  wire [7:0]  shift_s1[0:Cols-1];
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
        assign bias_s1[gc]  = bias1_q;
        assign mult_s1[gc]  = mult1_q;
        assign shift_s1[gc] = shift1_q;
      end else begin : g_one
        assign bias_w[gc]  = bias_q;
        assign mult_w[gc]  = mult_q;
        assign shift_w[gc] = shift_q;
        assign bias_s1[gc]  = bias_q;
        assign mult_s1[gc]  = mult_q;
        assign shift_s1[gc] = shift_q;
      end
      assign bias_s0[gc]  = bias_q;
      assign mult_s0[gc]  = mult_q;
      assign shift_s0[gc] = shift_q;
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

  // Without the prefetch, READ NEXT requantizes here, combinationally; with
  // it this path serves RAW only (no requantizer on it).
  genvar gj;
  generate
    for (gj = 0; gj < 4; gj = gj + 1) begin : g_lane
      if (Prefetch != 0) begin : g_none
        assign q[gj] = 8'd0;
        wire unused_lane = ^{bias[gj], mult[gj], shift[gj], valid[gj]};
      end else begin : g_rq
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
    end
  endgenerate

  always @* begin
    if (raw_q || Prefetch != 0) begin
      data_o = acc[0];
    end else begin
      data_o = {valid[3] ? q[3] : 8'd0, valid[2] ? q[2] : 8'd0,
                valid[1] ? q[1] : 8'd0, valid[0] ? q[0] : 8'd0};
    end
  end

  // ---------------------------------------------------------------------------
  // Prefetch: the requantizer pipelined, ahead of the read pointer
  // ---------------------------------------------------------------------------
  // At most 8 words started and not yet read (driver/cfu_isa.h
  // kPrefetchDepth); a word started at edge t is in the FIFO at edge t + 7,
  // so a READ NEXT at edge t + 8 takes it (kPrefetchLatency).
  localparam [3:0] PfDepth = 4'd8;
  localparam [LaneW+2:0]  PfFour   = 4;
  localparam [CLineW-1:0] PfLineOne = 1;
  localparam integer      PfLastI  = CLines - 1;
  localparam [CLineW-1:0] PfLast   = PfLastI[CLineW-1:0];

  generate
    if (Prefetch != 0) begin : g_pf
      reg [CLineW-1:0] pline_q = {CLineW{1'b0}};
      reg [LaneW-1:0]  plane_q = {LaneW{1'b0}};
      reg              poob_q  = 1'b0;
      reg [3:0]        count_q = 4'd0;  // words started and not yet read
      wire start = !pf_flush_i && (count_q < PfDepth) && !poob_q && (rd_nt_i != {NtW{1'b0}}) && !pf_block_i;
      wire [LaneW+2:0] lane_x = {3'd0, plane_q} + PfFour;
      wire             wrap   = (lane_x >= {{(LaneW+3-NtW){1'b0}}, rd_nt_i});
      assign pf_line_o = pline_q;

      always @(posedge clk_i) begin
        if (pf_flush_i) begin
          pline_q <= pf_line_n_i;
          plane_q <= pf_lane_n_i;
          poob_q  <= pf_oob_n_i;
        end else if (start) begin
          if (wrap) begin
            plane_q <= {LaneW{1'b0}};
            pline_q <= pline_q + PfLineOne;
            if (pline_q == PfLast) poob_q <= 1'b1;
          end else begin
            plane_q <= lane_x[LaneW-1:0];
          end
        end
      end

      // s0: the started word's context (the RAM reads its line at this edge).
      reg          v0_q = 1'b0;
      reg [LW-1:0] lane0_q, nt0_q;
      reg          set0_q;
      always @(posedge clk_i) begin
        v0_q <= start;
        if (start) begin
          lane0_q <= {{(LW-LaneW){1'b0}}, plane_q};
          nt0_q   <= {{(LW-NtW){1'b0}}, rd_nt_i};
          set0_q  <= (Sets == 2) ? rd_bank_i : 1'b0;
        end
      end

      // Stage valids (a flush empties the pipeline).
      reg v1_q = 1'b0, v2_q = 1'b0, v3_q = 1'b0, v4_q = 1'b0, v5_q = 1'b0, v6_q = 1'b0;
      always @(posedge clk_i) begin
        if (pf_flush_i) begin
          {v1_q, v2_q, v3_q, v4_q, v5_q, v6_q} <= 6'd0;
        end else begin
          {v1_q, v2_q, v3_q, v4_q, v5_q, v6_q} <= {v0_q, v1_q, v2_q, v3_q, v4_q, v5_q};
        end
      end

      // The FIFO of finished words.
      reg  [31:0] fifo_q [0:PfDepth-1];
      reg  [2:0]  head_q = 3'd0, tail_q = 3'd0;
      reg  [3:0]  fill_q = 4'd0;
      wire [31:0] word;  // the word leaving s6 at this edge
      wire        push = v6_q && !pf_flush_i;
      assign pf_ready_o = (fill_q != 4'd0);
      assign pf_data_o  = fifo_q[head_q];
      always @(posedge clk_i) begin
        if (push) fifo_q[tail_q] <= word;
      end
      always @(posedge clk_i) begin
        if (pf_flush_i) begin
          head_q  <= 3'd0;
          tail_q  <= 3'd0;
          fill_q  <= 4'd0;
          count_q <= 4'd0;
        end else begin
          if (push) tail_q <= tail_q + 3'd1;
          if (pf_pop_i) head_q <= head_q + 3'd1;
          fill_q  <= fill_q + {3'd0, push} - {3'd0, pf_pop_i};
          count_q <= count_q + {3'd0, start} - {3'd0, pf_pop_i};
        end
      end

      // Four lanes of the requantizer in six stages (sasim_requant's
      // arithmetic, bit for bit; register boundaries chosen for 75 MHz):
      //  s1 lane select + bias; s2 left shift, overflow case; s3 two 16x32
      //  partial products; s4 their sum + the rounding nudge; s5 the high
      //  word; s6 the rounding right shift and its increment; then + zero
      //  point and clamp into the FIFO.
      genvar gl;
      wire [7:0] q_b [0:3];
      for (gl = 0; gl < 4; gl = gl + 1) begin : g_lane
        // s1
        reg [31:0] acc_c, bias_c, mult_c;
        reg [7:0]  shift_c;
        integer    cc;
        always @* begin
          acc_c   = 32'd0;
          bias_c  = 32'd0;
          mult_c  = 32'd0;
          shift_c = 8'd0;
          for (cc = 0; cc < Cols; cc = cc + 1) begin
            if (lane0_q + gl[LW-1:0] == cc[LW-1:0]) begin
              acc_c   = c_data_i[cc*32 +: 32];
              bias_c  = set0_q ? bias_s1[cc] : bias_s0[cc];
              mult_c  = set0_q ? mult_s1[cc] : mult_s0[cc];
              shift_c = set0_q ? shift_s1[cc] : shift_s0[cc];
            end
          end
        end
        reg        lv1_q, lv2_q, lv3_q, lv4_q, lv5_q, lv6_q;  // the lane is < Nt
        reg [31:0] x1_q, m1_q, m2_q;
        reg [7:0]  sh1_q;
        always @(posedge clk_i) begin
          lv1_q <= (lane0_q + gl[LW-1:0] < nt0_q);
          x1_q  <= acc_c + bias_c;
          m1_q  <= mult_c;
          sh1_q <= shift_c;
        end
        // s2
        wire       pos1   = !sh1_q[7] && (sh1_q != 8'd0);
        wire [7:0] left1  = pos1 ? sh1_q : 8'd0;
        wire [7:0] nsh1   = 8'd0 - sh1_q;
        wire [7:0] right1 = pos1 ? 8'd0 : nsh1;
        wire [31:0] shl1  = (left1 > 8'd31) ? 32'd0 : (x1_q << left1[4:0]);
        reg  [31:0] s2_q;
        reg  [4:0]  e2_q, e3_q, e4_q, e5_q, e6_q;
        reg         ovf2_q, ovf3_q, ovf4_q;
        always @(posedge clk_i) begin
          lv2_q  <= lv1_q;
          s2_q   <= shl1;
          m2_q   <= m1_q;
          e2_q   <= (right1 > 8'd31) ? 5'd31 : right1[4:0];
          ovf2_q <= (shl1 == 32'h8000_0000) && (m1_q == 32'h8000_0000);
        end
        // s3: a * b = a_hi * b * 2^16 + a_lo * b (a_lo unsigned)
        wire signed [48:0] plo = $signed({1'b0, s2_q[15:0]}) * $signed(m2_q);
        wire signed [47:0] phi = $signed(s2_q[31:16]) * $signed(m2_q);
        reg  signed [48:0] plo3_q;
        reg  signed [47:0] phi3_q;
        always @(posedge clk_i) begin
          lv3_q  <= lv2_q;
          plo3_q <= plo;
          phi3_q <= phi;
          e3_q   <= e2_q;
          ovf3_q <= ovf2_q;
        end
        // s4
        wire [63:0] ab = {phi3_q, 16'd0} + {{15{plo3_q[48]}}, plo3_q} + 64'h0000_0000_4000_0000;
        reg  [63:0] ab4_q;
        always @(posedge clk_i) begin
          lv4_q  <= lv3_q;
          ab4_q  <= ab;
          e4_q   <= e3_q;
          ovf4_q <= ovf3_q;
        end
        // s5
        reg [31:0] high5_q;
        always @(posedge clk_i) begin
          lv5_q   <= lv4_q;
          high5_q <= ovf4_q ? 32'h7fff_ffff : ab4_q[62:31];
          e5_q    <= e4_q;
        end
        // s6
        wire [31:0] mask5 = (32'd1 << e5_q) - 32'd1;
        wire [31:0] rem5  = high5_q & mask5;
        wire [31:0] thr5  = (mask5 >> 1) + {31'd0, high5_q[31]};
        reg  [31:0] shr6_q;
        reg         inc6_q;
        always @(posedge clk_i) begin
          lv6_q  <= lv5_q;
          shr6_q <= $unsigned($signed(high5_q) >>> e5_q);
          inc6_q <= rem5 > thr5;
          e6_q   <= e5_q;
        end
        // + zero point, clamp
        wire [31:0] v6    = shr6_q + {31'd0, inc6_q} + {{24{zp_q[7]}}, zp_q};
        wire [31:0] lo6   = {{24{act_min_q[7]}}, act_min_q};
        wire [31:0] hi6   = {{24{act_max_q[7]}}, act_max_q};
        wire [31:0] vlo6  = ($signed(v6) < $signed(lo6)) ? lo6 : v6;
        wire [31:0] vhi6  = ($signed(vlo6) > $signed(hi6)) ? hi6 : vlo6;
        assign q_b[gl] = lv6_q ? vhi6[7:0] : 8'd0;
        wire unused_pf = ^{ab4_q[63], ab4_q[30:0], vhi6[31:8], e6_q};
      end
      assign word = {q_b[3], q_b[2], q_b[1], q_b[0]};
    end else begin : g_no_pf
      assign pf_line_o  = {CLineW{1'b0}};
      assign pf_ready_o = 1'b0;
      assign pf_data_o  = 32'd0;
      wire unused_pf = ^{pf_flush_i, pf_line_n_i, pf_lane_n_i, pf_oob_n_i, pf_block_i, pf_pop_i};
      genvar gu;
      for (gu = 0; gu < Cols; gu = gu + 1) begin : g_unused
        wire unused_set_regs = ^{bias_s0[gu], mult_s0[gu], shift_s0[gu], bias_s1[gu], mult_s1[gu], shift_s1[gu]};
      end
    end
  endgenerate

endmodule
