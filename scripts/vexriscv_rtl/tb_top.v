// Testbench top (see tb.cpp): the VexRiscv core with sasim's Cfu on its CFU
// port; the two Wishbone buses, the interrupt inputs and a retire probe go to
// tb.cpp.
module tb_top (
  input clk, input reset,
  input [31:0] externalInterruptArray, input timerInterrupt, input softwareInterrupt,
  output iCYC, output iSTB, input iACK, output [29:0] iADR, input [31:0] iDATI, output [2:0] iCTI,
  output dCYC, output dSTB, input dACK, output dWE, output [29:0] dADR, input [31:0] dDATI,
  output [31:0] dDATO, output [3:0] dSEL, output [2:0] dCTI,
  output retire, output [31:0] retire_pc, output trap_exc, output trap_irq
);
  assign retire = cpu.writeBack_arbitration_isFiring;
  assign retire_pc = cpu.writeBack_PC;
  assign trap_exc = cpu.CsrPlugin_hadException;
  assign trap_irq = cpu.CsrPlugin_interruptJump;
  wire cmd_valid, cmd_ready, rsp_valid, rsp_ready;
  wire [9:0] fid; wire [31:0] in0, in1, out0;
  wire iWE; wire [31:0] iDATO; wire [3:0] iSEL; wire [1:0] iBTE, dBTE;
  VexRiscv cpu (
    .externalResetVector(32'h40000000), .timerInterrupt(timerInterrupt), .softwareInterrupt(softwareInterrupt),
    .externalInterruptArray(externalInterruptArray),
    .CfuPlugin_bus_cmd_valid(cmd_valid), .CfuPlugin_bus_cmd_ready(cmd_ready),
    .CfuPlugin_bus_cmd_payload_function_id(fid), .CfuPlugin_bus_cmd_payload_inputs_0(in0),
    .CfuPlugin_bus_cmd_payload_inputs_1(in1), .CfuPlugin_bus_rsp_valid(rsp_valid),
    .CfuPlugin_bus_rsp_ready(rsp_ready), .CfuPlugin_bus_rsp_payload_outputs_0(out0),
    .iBusWishbone_CYC(iCYC), .iBusWishbone_STB(iSTB), .iBusWishbone_ACK(iACK), .iBusWishbone_WE(iWE),
    .iBusWishbone_ADR(iADR), .iBusWishbone_DAT_MISO(iDATI), .iBusWishbone_DAT_MOSI(iDATO),
    .iBusWishbone_SEL(iSEL), .iBusWishbone_ERR(1'b0), .iBusWishbone_CTI(iCTI), .iBusWishbone_BTE(iBTE),
    .dBusWishbone_CYC(dCYC), .dBusWishbone_STB(dSTB), .dBusWishbone_ACK(dACK), .dBusWishbone_WE(dWE),
    .dBusWishbone_ADR(dADR), .dBusWishbone_DAT_MISO(dDATI), .dBusWishbone_DAT_MOSI(dDATO),
    .dBusWishbone_SEL(dSEL), .dBusWishbone_ERR(1'b0), .dBusWishbone_CTI(dCTI), .dBusWishbone_BTE(dBTE),
    .clk(clk), .reset(reset));
  Cfu cfu (
    .cmd_valid(cmd_valid), .cmd_ready(cmd_ready), .cmd_payload_function_id(fid),
    .cmd_payload_inputs_0(in0), .cmd_payload_inputs_1(in1), .rsp_valid(rsp_valid),
    .rsp_ready(rsp_ready), .rsp_payload_outputs_0(out0), .reset(reset), .clk(clk));
endmodule
