// ----------------------------------------------------------------------------
// sasim_eltwise: the elementwise extension (EW_CONFIG, EW_MULT, EW_OP):
// TFLite's int8 ADD, SUB and MUL on four lanes.
//
// Contract (src/model/core.cc, ew_lane() and CfuCore::ew_execute();
// docs/command-set.md):
//  * cfg_we_i (EW_CONFIG executes): op = in0[17:16], a_zp = in0[7:0],
//    b_zp = in0[15:8], out_zp = in1[7:0], act_min = in1[15:8],
//    act_max = in1[23:16]. mult_we_i (EW_MULT): multiplier in0 and shift
//    in1[15:8] of `which` = in1[1:0] (0 a, 1 b, 2 output). The controller
//    has rejected every other operand. The registers power up as the
//    model's (0, range -128 .. 127) and neither reset nor RESET changes them.
//  * go_i (EW_OP executes): the pipeline advances one stage; data_o, read by
//    the controller before that edge as the EW_OP's response, is the result
//    of the EW_OP that entered Lag = 11 EW_OPs earlier (the last stage), or
//    0 when that stage holds none since the last flush.
//  * flush_i (reset, RESET, EW_CONFIG, EW_MULT): every stage empties. A
//    stage reads the parameter registers when it computes, so without the
//    flush a parameter write would reach a result part-way through.
//  * Lane k of a result: a = in0 byte k, b = in1 byte k (int8):
//      ADD/SUB: x = a - a_zp, y = b - b_zp,
//               sx = MBQM(x << 20, m_a, s_a), sy = MBQM(y << 20, m_b, s_b),
//               v = sx + sy (ADD) or sx - sy (SUB);
//      MUL:     v = (a - a_zp) * (b - b_zp);
//      q = clamp(MBQM(v, m_out, s_out) + out_zp, act_min, act_max),
//    with MBQM as in sasim_requant (include/sasim/quant.h). The inputs'
//    shifts are <= 0 (EW_MULT rejects others), so their MBQM is
//    srdhm(x * 2^20, m) = floor((x * m + 2^10) / 2^11) (x * 2^20 is never
//    INT32_MIN) and a rounding right shift. Register boundaries follow
//    the prefetching requantizer's (sasim_postproc), chosen for 75 MHz.
// ----------------------------------------------------------------------------
module sasim_eltwise (
  input  wire        clk_i,
  input  wire        flush_i,
  input  wire        cfg_we_i,
  input  wire        mult_we_i,
  input  wire        go_i,
  input  wire [31:0] in0_i,
  input  wire [31:0] in1_i,
  output wire [31:0] data_o
);

  localparam [1:0] OpSub = 2'd1;
  localparam [1:0] OpMul = 2'd2;

  // ---------------------------------------------------------------------------
  // Registers (EW_CONFIG, EW_MULT)
  // ---------------------------------------------------------------------------
  reg [1:0]  op_q  = 2'd0;
  reg [7:0]  za_q  = 8'd0, zb_q = 8'd0, zo_q = 8'd0;
  reg [7:0]  lo_q  = 8'h80, hi_q = 8'h7f;
  reg [31:0] ma_q  = 32'd0, mb_q = 32'd0, mo_q = 32'd0;
  reg [7:0]  sa_q  = 8'd0, sb_q = 8'd0, so_q = 8'd0;
  always @(posedge clk_i) begin
    if (cfg_we_i) begin
      op_q <= in0_i[17:16];
      za_q <= in0_i[7:0];
      zb_q <= in0_i[15:8];
      zo_q <= in1_i[7:0];
      lo_q <= in1_i[15:8];
      hi_q <= in1_i[23:16];
    end
    if (mult_we_i) begin
      case (in1_i[1:0])
        2'd0: begin ma_q <= in0_i; sa_q <= in1_i[15:8]; end
        2'd1: begin mb_q <= in0_i; sb_q <= in1_i[15:8]; end
        default: begin mo_q <= in0_i; so_q <= in1_i[15:8]; end
      endcase
    end
  end
  wire unused_in = ^{in0_i[31:18], in1_i[31:24]};

  wire is_mul = (op_q == OpMul);
  wire is_sub = (op_q == OpSub);
  // The inputs' rounding right shifts, -shift (0 .. 31).
  wire [7:0] ea8 = 8'd0 - sa_q;
  wire [7:0] eb8 = 8'd0 - sb_q;
  wire [4:0] ea  = ea8[4:0];
  wire [4:0] eb  = eb8[4:0];
  // The output's: left shift (shift > 0) or rounding right shift.
  wire       so_pos   = !so_q[7] && (so_q != 8'd0);
  wire [7:0] so_left  = so_pos ? so_q : 8'd0;
  wire [7:0] so_neg   = 8'd0 - so_q;
  wire [7:0] so_right = so_pos ? 8'd0 : so_neg;
  wire [4:0] eo       = (so_right > 8'd31) ? 5'd31 : so_right[4:0];
  wire unused_e = ^{ea8[7:5], eb8[7:5], so_left[7:5]};

  // ---------------------------------------------------------------------------
  // Stage valids: shift on go, empty on flush
  // ---------------------------------------------------------------------------
  reg [10:0] v_q = 11'd0;  // v_q[s - 1]: stage s holds a result
  always @(posedge clk_i) begin
    if (flush_i) begin
      v_q <= 11'd0;
    end else if (go_i) begin
      v_q <= {v_q[9:0], 1'b1};
    end
  end

  // ---------------------------------------------------------------------------
  // Four lanes
  // ---------------------------------------------------------------------------
  wire [7:0] q [0:3];
  genvar gl;
  generate
    for (gl = 0; gl < 4; gl = gl + 1) begin : g_lane
      // s1: the operands
      reg [7:0] a1_q, b1_q;
      always @(posedge clk_i) begin
        if (go_i) begin
          a1_q <= in0_i[gl*8 +: 8];
          b1_q <= in1_i[gl*8 +: 8];
        end
      end
      // s2: minus the zero points; x * m_a and y * m_b (MUL: x * y)
      wire signed [9:0]  x  = $signed({a1_q[7], a1_q}) - $signed({za_q[7], za_q});
      wire signed [9:0]  y  = $signed({b1_q[7], b1_q}) - $signed({zb_q[7], zb_q});
      // (Each product fits its 42 bits: |x|, |y| <= 255.)
      wire signed [41:0] pxy = x * y;
      wire signed [41:0] pxm = x * $signed(ma_q);
      wire signed [41:0] py  = y * $signed(mb_q);
      wire signed [41:0] px  = is_mul ? pxy : pxm;
      reg  signed [41:0] px2_q, py2_q;
      always @(posedge clk_i) begin
        if (go_i) begin
          px2_q <= px;
          py2_q <= py;
        end
      end
      // s3: the doubling high multiply's rounding, floor((p + 2^10) / 2^11)
      // (MUL: the product itself)
      wire signed [41:0] hx = (px2_q + 42'sd1024) >>> 11;
      wire signed [41:0] hy = (py2_q + 42'sd1024) >>> 11;
      reg  [31:0] hx3_q, hy3_q;
      always @(posedge clk_i) begin
        if (go_i) begin
          hx3_q <= is_mul ? px2_q[31:0] : hx[31:0];
          hy3_q <= hy[31:0];
        end
      end
      // s4: the rounding right shifts (ties away from zero)
      wire [31:0] mx  = (32'd1 << ea) - 32'd1;
      wire [31:0] my  = (32'd1 << eb) - 32'd1;
      wire [31:0] tx  = (mx >> 1) + {31'd0, hx3_q[31]};
      wire [31:0] ty  = (my >> 1) + {31'd0, hy3_q[31]};
      reg  [31:0] sx4_q, sy4_q;
      reg         ix4_q, iy4_q;
      always @(posedge clk_i) begin
        if (go_i) begin
          sx4_q <= is_mul ? hx3_q : $unsigned($signed(hx3_q) >>> ea);
          ix4_q <= !is_mul && ((hx3_q & mx) > tx);
          sy4_q <= $unsigned($signed(hy3_q) >>> eb);
          iy4_q <= (hy3_q & my) > ty;
        end
      end
      // s5: the sum or difference (MUL: the product)
      wire [31:0] sx = sx4_q + {31'd0, ix4_q};
      wire [31:0] sy = sy4_q + {31'd0, iy4_q};
      reg  [31:0] v5_q;
      always @(posedge clk_i) begin
        if (go_i) v5_q <= is_mul ? sx : is_sub ? sx - sy : sx + sy;
      end
      // s6: the output's left shift and the multiply's overflow case
      wire [31:0] shl = (so_left > 8'd31) ? 32'd0 : (v5_q << so_left[4:0]);
      reg  [31:0] s6_q;
      reg         ovf6_q, ovf7_q, ovf8_q;
      always @(posedge clk_i) begin
        if (go_i) begin
          s6_q   <= shl;
          ovf6_q <= (shl == 32'h8000_0000) && (mo_q == 32'h8000_0000);
        end
      end
      // s7: two 16x32 partial products
      wire signed [48:0] plo = $signed({1'b0, s6_q[15:0]}) * $signed(mo_q);
      wire signed [47:0] phi = $signed(s6_q[31:16]) * $signed(mo_q);
      reg  signed [48:0] plo7_q;
      reg  signed [47:0] phi7_q;
      always @(posedge clk_i) begin
        if (go_i) begin
          plo7_q <= plo;
          phi7_q <= phi;
          ovf7_q <= ovf6_q;
        end
      end
      // s8: their sum and the rounding nudge
      wire [63:0] ab = {phi7_q, 16'd0} + {{15{plo7_q[48]}}, plo7_q} + 64'h0000_0000_4000_0000;
      reg  [63:0] ab8_q;
      always @(posedge clk_i) begin
        if (go_i) begin
          ab8_q  <= ab;
          ovf8_q <= ovf7_q;
        end
      end
      // s9: the high word
      reg [31:0] h9_q;
      always @(posedge clk_i) begin
        if (go_i) h9_q <= ovf8_q ? 32'h7fff_ffff : ab8_q[62:31];
      end
      // s10: the rounding right shift
      wire [31:0] mo_mask = (32'd1 << eo) - 32'd1;
      wire [31:0] mo_thr  = (mo_mask >> 1) + {31'd0, h9_q[31]};
      reg  [31:0] r10_q;
      reg         i10_q;
      always @(posedge clk_i) begin
        if (go_i) begin
          r10_q <= $unsigned($signed(h9_q) >>> eo);
          i10_q <= (h9_q & mo_mask) > mo_thr;
        end
      end
      // s11: + zero point (wrapping in 32 bits), clamp
      wire [31:0] w   = r10_q + {31'd0, i10_q} + {{24{zo_q[7]}}, zo_q};
      wire [31:0] wlo = {{24{lo_q[7]}}, lo_q};
      wire [31:0] whi = {{24{hi_q[7]}}, hi_q};
      wire [31:0] w1  = ($signed(w) < $signed(wlo)) ? wlo : w;
      wire [31:0] w2  = ($signed(w1) > $signed(whi)) ? whi : w1;
      reg  [7:0]  q11_q;
      always @(posedge clk_i) begin
        if (go_i) q11_q <= w2[7:0];
      end
      assign q[gl] = q11_q;
      wire unused_lane = ^{hx[41:32], hy[41:32], ab8_q[63], ab8_q[30:0], w2[31:8]};
    end
  endgenerate

  assign data_o = v_q[10] ? {q[3], q[2], q[1], q[0]} : 32'd0;

endmodule
