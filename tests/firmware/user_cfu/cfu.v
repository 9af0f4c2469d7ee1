// A toy user CFU for `sasim board --cfu PATH/cfu.v` (tests/cli_tests.cmake,
// "board_user_cfu"): a 4-lane int8 SIMD multiply-accumulate with CFU
// Playground's ports, in the style of a course's first CFU, registered (the
// response comes the cycle after the command).
//   funct3 0: acc := 0, returns 0
//   funct3 1: acc += sum over lanes i of in0.i * in1.i (signed int8), returns acc
//   funct3 7: takes the command and never answers (to test the watchdog)
//   others:   returns 0xdeadbeef
`include "simd_dot.vh"

module Cfu (
  input               cmd_valid,
  output              cmd_ready,
  input      [9:0]    cmd_payload_function_id,
  input      [31:0]   cmd_payload_inputs_0,
  input      [31:0]   cmd_payload_inputs_1,
  output reg          rsp_valid,
  input               rsp_ready,
  output reg [31:0]   rsp_payload_outputs_0,
  input               reset,
  input               clk
);
  reg [31:0] acc;
  reg hung;
  wire [2:0] funct3 = cmd_payload_function_id[2:0];
  wire [31:0] dot;
  simd_dot4 u_dot (.a(cmd_payload_inputs_0), .b(cmd_payload_inputs_1), .dot(dot));

  assign cmd_ready = !rsp_valid && !hung;

  always @(posedge clk) begin
    if (reset) begin
      rsp_valid <= 1'b0;
      rsp_payload_outputs_0 <= 32'd0;
      acc <= 32'd0;
      hung <= 1'b0;
    end else begin
      if (rsp_valid && rsp_ready) rsp_valid <= 1'b0;
      if (cmd_valid && cmd_ready) begin
        if (funct3 == 3'd7) begin
          hung <= 1'b1;
        end else begin
          rsp_valid <= 1'b1;
          case (funct3)
            3'd0: begin
              acc <= 32'd0;
              rsp_payload_outputs_0 <= 32'd0;
            end
            3'd1: begin
              acc <= acc + dot;
              rsp_payload_outputs_0 <= acc + dot;
            end
            default: rsp_payload_outputs_0 <= 32'hdeadbeef;
          endcase
        end
      end
    end
  end
endmodule
