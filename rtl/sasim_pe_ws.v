// ----------------------------------------------------------------------------
// sasim_pe_ws: one processing element of the weight-stationary array.
//
// Contract:
//  * The weight register is loaded by w_load_i and cleared by w_clear_i
//    (clear wins); it is not touched otherwise, so weights stay across passes.
//  * In a cycle with en_i: the activation a_i moves on to a_o (the PE to the
//    right) and the partial sum p_o := p_i + w * a_i (int8 x int8, added in
//    wrapping int32) moves on to the PE below, both at the edge.
// ----------------------------------------------------------------------------
module sasim_pe_ws (
  input  wire        clk_i,
  input  wire        en_i,
  input  wire        w_clear_i,
  input  wire        w_load_i,
  input  wire [7:0]  w_i,
  input  wire [7:0]  a_i,
  input  wire [31:0] p_i,
  output wire [7:0]  a_o,
  output wire [31:0] p_o
);

  reg  [7:0]         w_q, a_q;
  reg  [31:0]        p_q;
  wire signed [15:0] prod = $signed(w_q) * $signed(a_i);

  always @(posedge clk_i) begin
    if (w_clear_i) begin
      w_q <= 8'd0;
    end else if (w_load_i) begin
      w_q <= w_i;
    end
  end

  always @(posedge clk_i) begin
    if (en_i) begin
      a_q <= a_i;
      p_q <= p_i + {{16{prod[15]}}, prod};
    end
  end

  assign a_o = a_q;
  assign p_o = p_q;

endmodule
