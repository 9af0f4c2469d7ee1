// ----------------------------------------------------------------------------
// sasim_pe_os: one processing element of the output-stationary array.
//
// Contract:
//  * clear_i (START) zeroes the accumulator and the operand registers.
//  * Otherwise, in a cycle with en_i: a_i moves on to a_o (the PE to the
//    right), b_i to b_o (the PE below), and acc_o := acc_o + a_i * b_i
//    (int8 x int8, added in wrapping int32), all at the edge.
// ----------------------------------------------------------------------------
module sasim_pe_os (
  input  wire        clk_i,
  input  wire        clear_i,
  input  wire        en_i,
  input  wire [7:0]  a_i,
  input  wire [7:0]  b_i,
  output wire [7:0]  a_o,
  output wire [7:0]  b_o,
  output wire [31:0] acc_o
);

  reg  [7:0]         a_q, b_q;
  reg  [31:0]        acc_q;
  wire signed [15:0] prod = $signed(a_i) * $signed(b_i);

  always @(posedge clk_i) begin
    if (clear_i) begin
      a_q   <= 8'd0;
      b_q   <= 8'd0;
      acc_q <= 32'd0;
    end else if (en_i) begin
      a_q   <= a_i;
      b_q   <= b_i;
      acc_q <= acc_q + {{16{prod[15]}}, prod};
    end
  end

  assign a_o   = a_q;
  assign b_o   = b_q;
  assign acc_o = acc_q;

endmodule
