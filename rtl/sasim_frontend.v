// ----------------------------------------------------------------------------
// sasim_frontend: the CFU bus handshake. Holds one command at a time and its
// response; knows nothing about what commands mean.
//
// Contract (src/model/core.cc, CfuCore::step):
//  * Outputs are registered (Moore): cmd_ready_o = no command held.
//  * A command transfers at an edge where cmd_valid_i && cmd_ready_o; its
//    fields are latched. From that edge on the command is "pending" until the
//    controller executes it (exec_i), which it may do at the transfer edge
//    itself; cmd_go_o / cmd_* present the pending command (the bus fields at
//    the transfer edge, the latched ones afterwards).
//  * exec_i with !late_i: the response rsp_i is valid from the next cycle.
//    exec_i with late_i (READ NEXT/RAW): the response is late_data_i as
//    sampled at the following edge, valid from the cycle after it.
//  * The response stays valid until rsp_ready_i; that edge frees the front
//    end (cmd_ready_o rises in the next cycle).
//  * The soft RESET command is an ordinary command here: the controller
//    resets everything else and answers 0 with latency 1.
// ----------------------------------------------------------------------------
module sasim_frontend (
  input  wire        clk_i,
  input  wire        rst_i,
  // CFU bus
  input  wire        cmd_valid_i,
  output wire        cmd_ready_o,
  input  wire [9:0]  cmd_fid_i,
  input  wire [31:0] cmd_in0_i,
  input  wire [31:0] cmd_in1_i,
  output wire        rsp_valid_o,
  input  wire        rsp_ready_i,
  output wire [31:0] rsp_data_o,
  // to / from the controller
  output wire        cmd_go_o,
  output wire [9:0]  cmd_fid_o,
  output wire [31:0] cmd_in0_o,
  output wire [31:0] cmd_in1_o,
  input  wire        exec_i,
  input  wire        late_i,
  input  wire [31:0] rsp_i,
  input  wire [31:0] late_data_i
);

  reg        held_q;      // a command is held (cmd_ready = !held)
  reg        executed_q;  // ... and has executed; its response is pending or valid
  reg        late_q;      // a latency-2 response arrives at the next edge
  reg        rsp_valid_q;
  reg [31:0] rsp_data_q;
  reg [9:0]  fid_q;
  reg [31:0] in0_q, in1_q;

  wire transfer = cmd_valid_i && !held_q;
  wire handshake = rsp_valid_q && rsp_ready_i;

  assign cmd_ready_o = !held_q;
  assign rsp_valid_o = rsp_valid_q;
  assign rsp_data_o  = rsp_data_q;

  assign cmd_go_o  = transfer || (held_q && !executed_q);
  assign cmd_fid_o = transfer ? cmd_fid_i : fid_q;
  assign cmd_in0_o = transfer ? cmd_in0_i : in0_q;
  assign cmd_in1_o = transfer ? cmd_in1_i : in1_q;

  always @(posedge clk_i) begin
    if (transfer) begin
      fid_q <= cmd_fid_i;
      in0_q <= cmd_in0_i;
      in1_q <= cmd_in1_i;
    end
  end

  always @(posedge clk_i) begin
    if (rst_i) begin
      held_q      <= 1'b0;
      executed_q  <= 1'b0;
      late_q      <= 1'b0;
      rsp_valid_q <= 1'b0;
      rsp_data_q  <= 32'd0;
    end else begin
      if (handshake) begin
        rsp_valid_q <= 1'b0;
        held_q      <= 1'b0;
        executed_q  <= 1'b0;
      end else if (late_q) begin
        late_q      <= 1'b0;
        rsp_valid_q <= 1'b1;
        rsp_data_q  <= late_data_i;
      end
      if (transfer) begin
        held_q     <= 1'b1;
        executed_q <= 1'b0;
      end
      if (cmd_go_o && exec_i) begin
        executed_q <= 1'b1;
        if (late_i) begin
          late_q <= 1'b1;
        end else begin
          rsp_valid_q <= 1'b1;
          rsp_data_q  <= rsp_i;
        end
      end
    end
  end

endmodule
