// ----------------------------------------------------------------------------
// sasim_requant: the output stage of one lane, combinational.
//
// q_o = clamp(MultiplyByQuantizedMultiplier(acc_i + bias_i, mult_i, shift_i)
//             + zp_i, act_min_i, act_max_i)
// bit-exact with include/sasim/quant.h (TFLite Micro's default double
// rounding), which states the semantics once:
//  * acc + bias wraps in 32 bits.
//  * shift > 0: the value is shifted left by shift before the multiply,
//    wrapping in 32 bits; shift <= 0: rounding right shift by -shift after it.
//  * srdhm(a, b) = floor((a*b + 2^30) / 2^31); the only overflow,
//    a = b = INT32_MIN, gives INT32_MAX. (quant.h divides with truncation
//    after a sign-dependent nudge; for a*b < 0 that equals the floor of
//    (a*b + 2^30) / 2^31, so one formula serves both signs.)
//  * rounding_divide_by_pot(x, e): (x >>> e) + (remainder > threshold), with
//    remainder = x & (2^e - 1), threshold = (2^e - 1) >> 1, plus 1 if x < 0.
//  * + zero point wraps in 32 bits (two's complement, as the model computes
//    it), then clamp to act_min, then to act_max (in that order).
// Shifts are -31 .. 30 (quant.h kMinShift/kMaxShift): REQUANT rejects any
// other, so no other value reaches this unit. (Were one to, a left shift of
// 32 or more would give 0 and a right shift above 31 would be done as 31.)
// ----------------------------------------------------------------------------
module sasim_requant (
  input  wire [31:0] acc_i,
  input  wire [31:0] bias_i,
  input  wire [31:0] mult_i,
  input  wire [7:0]  shift_i,    // int8
  input  wire [7:0]  zp_i,       // int8
  input  wire [7:0]  act_min_i,  // int8
  input  wire [7:0]  act_max_i,  // int8
  output wire [7:0]  q_o
);

  wire        shift_pos = !shift_i[7] && (shift_i != 8'd0);
  wire [7:0]  left      = shift_pos ? shift_i : 8'd0;
  wire [7:0]  neg_shift = 8'd0 - shift_i;
  wire [7:0]  right     = shift_pos ? 8'd0 : neg_shift;
  wire [4:0]  e         = (right > 8'd31) ? 5'd31 : right[4:0];

  wire [31:0] x       = acc_i + bias_i;
  wire [31:0] shifted = (left > 8'd31) ? 32'd0 : (x << left[4:0]);

  // Saturating rounding doubling high multiply.
  wire [63:0] ab      = {{32{shifted[31]}}, shifted} * {{32{mult_i[31]}}, mult_i};
  wire [63:0] nudged  = ab + 64'h0000_0000_4000_0000;
  wire        ovf     = (shifted == 32'h8000_0000) && (mult_i == 32'h8000_0000);
  wire [31:0] high    = ovf ? 32'h7fff_ffff : nudged[62:31];

  // Rounding divide by 2^e, ties away from zero.
  wire [31:0] mask      = (32'd1 << e) - 32'd1;
  wire [31:0] remainder = high & mask;
  wire [31:0] threshold = (mask >> 1) + {31'd0, high[31]};
  wire [31:0] divided   = $unsigned($signed(high) >>> e) + {31'd0, remainder > threshold};

  // Zero point and clamp, as signed 32-bit.
  wire [31:0] v      = divided + {{24{zp_i[7]}}, zp_i};
  wire [31:0] lo     = {{24{act_min_i[7]}}, act_min_i};
  wire [31:0] hi     = {{24{act_max_i[7]}}, act_max_i};
  wire [31:0] v_lo   = ($signed(v) < $signed(lo)) ? lo : v;
  wire [31:0] v_hi   = ($signed(v_lo) > $signed(hi)) ? hi : v_lo;
  assign q_o = v_hi[7:0];

  wire unused_bits = ^{nudged[63], nudged[30:0], v_hi[31:8]};

endmodule
