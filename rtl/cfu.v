// ----------------------------------------------------------------------------
// Cfu: the sasim systolic-array accelerator as a CFU Playground custom
// function unit (top module; the port names are CFU Playground's and appear
// only here).
//
// The executable specification is the cycle model in src/model/core.{h,cc}
// and the command table in src/driver/cfu_isa.h; this RTL matches the model
// cycle for cycle on the CFU bus (tests/test_rtl.cc checks it in lock step).
//
// Parameters:
//  * Rows x Cols array, Dataflow 0 = weight-stationary, 1 = output-stationary.
//  * ALines / BLines / CLines: lines per bank of the A, B (int8 lines of
//    line_pitch(Rows) / line_pitch(Cols) bytes) and C (Cols int32 lanes)
//    buffers. The defaults are the model's default buffer sizes: 32768, 8192
//    and 16384 bytes per bank (configs/default.yaml).
//  * ADouble / BDouble / CDouble: 1 = two banks (double-buffered).
//  * WLines: lines of the weight store (buffers.w; line_pitch(Cols) bytes,
//    one bank), 0 = none. The default: 98304 bytes with the im2col
//    extension (ws), none otherwise, as core_params_from derives it.
//
// Block diagram:
//   bus -> sasim_frontend (handshake) <-> sasim_ctrl (decode, interlocks,
//   registers) -> sasim_opbuf A, B (and W, the weight store: the array's
//   weights come from W or B by a select registered at the pass's START)
//   -> sasim_array_ws / sasim_array_os ->
//   sasim_cbuf C -> sasim_postproc (bias, requantization) -> response;
//   sasim_ctrl -> sasim_eltwise (EW_OP; READ_EW: the post-processed word as
//   operand a) -> response; with the output keep (KEEP, derived: the
//   extension, the prefetch and a power-of-two A pitch) READ NEXT's word
//   also -> sasim_opbuf A's second write source (the shadow bank).
//
// reset (synchronous, active high) clears what the RESET command clears
// (docs/microarchitecture.md section 1, docs/command-set.md): the held command
// and any pending response (outputs cmd_ready = 1, rsp_valid = 0, payload 0),
// error flag, write and read pointers (the weight store's too), active
// banks, the Nt recorded per C bank, the weight store's base and on flag, the
// keep's pointer and stride, a running pass and the array (WS weights
// included). Buffer contents
// and the post-processing registers are kept; the latter power up with the
// model's construction values (zero, activation range -128 .. 127).
// ----------------------------------------------------------------------------
// Read only by Verilator: the lint waivers (rtl/lint_waivers.vlt, justified there).
`ifdef VERILATOR
`include "lint_waivers.vlt"
`endif
`include "sasim_ram_sdp.v"
`include "sasim_opbuf.v"
`include "sasim_cbuf.v"
`include "sasim_pe_ws.v"
`include "sasim_pe_os.v"
`include "sasim_array_ws.v"
`include "sasim_array_os.v"
`include "sasim_requant.v"
`include "sasim_postproc.v"
`include "sasim_eltwise.v"
`include "sasim_frontend.v"
`include "sasim_ctrl.v"

module Cfu #(
  parameter integer Rows     = 8,
  parameter integer Cols     = 8,
  parameter integer Dataflow = 0,
  parameter integer ALines   = 32768 / ((Rows <= 1) ? 1 : (Rows <= 2) ? 2 : (Rows <= 4) ? 4 : ((Rows + 7) / 8) * 8),
  parameter integer BLines   = 8192 / ((Cols <= 1) ? 1 : (Cols <= 2) ? 2 : (Cols <= 4) ? 4 : ((Cols + 7) / 8) * 8),
  parameter integer CLines   = 16384 / (4 * Cols),
  parameter integer ADouble  = 1,
  parameter integer BDouble  = 1,
  parameter integer CDouble  = 1,
  // The im2col extension: IM2COL_* commands and START's IM2COL flag (ws:
  // also B_COLS, HOLD_B, SEQ; os: the tile form; docs/command-set.md).
  parameter integer Im2col   = 1,
  // The weight store (buffers.w; W_SEEK, W_BASE, WRITE_W; docs/command-set.md).
  parameter integer WLines   = (Im2col != 0) ? 98304 / ((Cols <= 1) ? 1 : (Cols <= 2) ? 2 : (Cols <= 4) ? 4 : ((Cols + 7) / 8) * 8) : 0,
  // The prefetching post-processor (array.read_prefetch): the requantizer
  // pipelined for 75 MHz, working ahead of the read pointer; READ NEXT
  // answers with latency 1 once its word is ready. 0: the combinational
  // post-processor the board reference was measured with (latency 2).
  parameter integer Prefetch = 1,
  // The elementwise extension (array.eltwise): EW_CONFIG, EW_MULT and EW_OP,
  // TFLite's int8 ADD/SUB/MUL on four lanes (sasim_eltwise). 0: those
  // commands are rejected, as on the CFU the board reference measured.
  parameter integer Eltwise  = 1
) (
  input  wire        clk,
  input  wire        reset,
  input  wire        cmd_valid,
  output wire        cmd_ready,
  input  wire [9:0]  cmd_payload_function_id,
  input  wire [31:0] cmd_payload_inputs_0,
  input  wire [31:0] cmd_payload_inputs_1,
  output wire        rsp_valid,
  input  wire        rsp_ready,
  output wire [31:0] rsp_payload_outputs_0
);

  // ---------------------------------------------------------------------------
  // Pass limits (the model's START checks) and widths
  // ---------------------------------------------------------------------------
  localparam integer Ws      = (Dataflow == 0) ? 1 : 0;
  localparam integer MinAC   = (ALines < CLines) ? ALines : CLines;
  localparam integer MinAB   = (ALines < BLines) ? ALines : BLines;
  localparam integer MinRB   = (Rows < BLines) ? Rows : BLines;
  localparam integer MinRC   = (Rows < CLines) ? Rows : CLines;
  // WS: Mt <= min(CLines, ALines), Kt <= min(Rows, BLines).
  // OS: Mt <= min(Rows, CLines),   Kt <= min(ALines, BLines).
  // The command fields are 16 bits wide, which caps both at 65535.
  localparam integer MaxMt0  = (Ws != 0) ? MinAC : MinRC;
  localparam integer MaxKt0  = (Ws != 0) ? MinRB : MinAB;
  localparam integer MaxMt   = (MaxMt0 > 65535) ? 65535 : MaxMt0;
  localparam integer MaxKt   = (MaxKt0 > 65535) ? 65535 : MaxKt0;
  // The im2col extension lifts limits: an IM2COL pass reads no A lines by
  // index (Mt <= CLines), a B_COLS pass no B lines by Kt (Kt <= Rows), an
  // OS tile as many B (or store) lines as its bank holds.
  localparam integer Ext      = (Im2col != 0) ? 1 : 0;
  localparam integer MaxMtIm0 = (CLines > 65535) ? 65535 : CLines;
  localparam integer MaxMtIm  = (Ext != 0) ? MaxMtIm0 : MaxMt;
  localparam integer MaxMtAll = (MaxMtIm > MaxMt) ? MaxMtIm : MaxMt;
  localparam integer MaxBW    = (WLines > BLines) ? WLines : BLines;
  localparam integer MaxKtOs  = (Ext != 0 && Ws == 0) ? ((MaxBW > 65535) ? 65535 : MaxBW) : 0;
  localparam integer MaxKt1   = (Ext != 0 && Ws != 0 && Rows > MaxKt) ? Rows : MaxKt;
  localparam integer MaxKtAll = (MaxKtOs > MaxKt1) ? MaxKtOs : MaxKt1;
  localparam integer MtW     = $clog2(MaxMtAll + 1);
  localparam integer KtW     = $clog2(MaxKtAll + 1);
  localparam integer NtW     = $clog2(Cols + 1);
  localparam integer ALineW  = (ALines > 1) ? $clog2(ALines) : 1;
  localparam integer BLineW  = (BLines > 1) ? $clog2(BLines) : 1;
  localparam integer CLineW  = (CLines > 1) ? $clog2(CLines) : 1;
  localparam integer LaneW   = (Cols > 1) ? $clog2(Cols) : 1;
  localparam integer WLineW  = (WLines > 1) ? $clog2(WLines) : 1;
  // The output keep (KEEP; docs/command-set.md, "(keep)"; driver/cfu_isa.h,
  // has_keep): with the extension and the prefetch, when an A line's pitch
  // is a power of two (a byte offset then maps to a RAM word, part and half
  // by shifts). No parameter of its own.
  localparam integer APitch  = (Rows <= 1) ? 1 : (Rows <= 2) ? 2 : (Rows <= 4) ? 4 : ((Rows + 7) / 8) * 8;
  localparam integer Keep    = (Ext != 0 && Prefetch != 0 && (APitch & (APitch - 1)) == 0) ? 1 : 0;
  // The array's B line address: B bank lines, and with the extension
  // weight-store lines (sasim_array_ws's BAddrW).
  localparam integer BAddrW  = (Ext != 0 && WLines > 0 && WLineW > BLineW) ? WLineW : BLineW;

  // ---------------------------------------------------------------------------
  // Front end
  // ---------------------------------------------------------------------------
  wire        cmd_go;
  wire [9:0]  cmd_fid;
  wire [31:0] cmd_in0, cmd_in1;
  wire        exec, late;
  wire [31:0] rsp_now, rsp_late;

  sasim_frontend u_frontend (
    .clk_i       (clk),
    .rst_i       (reset),
    .cmd_valid_i (cmd_valid),
    .cmd_ready_o (cmd_ready),
    .cmd_fid_i   (cmd_payload_function_id),
    .cmd_in0_i   (cmd_payload_inputs_0),
    .cmd_in1_i   (cmd_payload_inputs_1),
    .rsp_valid_o (rsp_valid),
    .rsp_ready_i (rsp_ready),
    .rsp_data_o  (rsp_payload_outputs_0),
    .cmd_go_o    (cmd_go),
    .cmd_fid_o   (cmd_fid),
    .cmd_in0_o   (cmd_in0),
    .cmd_in1_o   (cmd_in1),
    .exec_i      (exec),
    .late_i      (late),
    .rsp_i       (rsp_now),
    .late_data_i (rsp_late)
  );

  // ---------------------------------------------------------------------------
  // Controller
  // ---------------------------------------------------------------------------
  wire [63:0]       wr_data;
  wire              a_wr, b_wr, a_ptr_clear, b_ptr_clear;
  wire              a_wbank, b_wbank, a_active, b_active;
  wire              a_kw;        // the output keep: READ NEXT's word into the shadow A bank
  wire [31:0]       a_kw_byte;   // at this byte
  wire              arr_busy, arr_finishing, keep_b, abort;
  wire              im2col, b_cols, pass_start;
  wire              unused_start;  // the array starts on pass_start (START or a SEQ's next pass)
  wire [7:0]        start_j, start_slot, g_sw, g_sh, g_lines, g_pad;
  wire [15:0]       g_in_w, g_in_h, g_out_w, o_iy, o_ix, o_ix_row, o_ox, g_bstride;
  wire [7:0]        sq_cols, sq_lines;
  wire [15:0]       sq_dy, sq_dx;
  wire signed [39:0] o_pix, o_rpix;
  wire [MtW-1:0]    mt;
  wire [KtW-1:0]    kt;
  wire [NtW-1:0]    nt;
  wire              pass_bank, pass_clear;
  wire              host_bank;
  wire [CLineW-1:0] host_line;
  wire              cfg_we;
  wire [23:0]       cfg;
  wire [Cols-1:0]   bias_we, rq_we;
  wire [1:0]        param_sets;
  wire [7:0]        a_fill;  // A_FILL: parts a WRITE_A line takes (0: all)
  wire [31:0]       bias, mult;
  wire [7:0]        shift;
  wire              rd_go, rd_raw;
  wire [LaneW-1:0]  rd_lane;
  wire [NtW-1:0]    rd_nt;
  wire              pf_flush, rd_oob_n, pf_block, pf_pop, pf_ready;
  wire [CLineW-1:0] rd_line_n, pf_line;
  wire [LaneW-1:0]  rd_lane_n;
  wire [31:0]       pf_data;
  wire              ew_cfg_we, ew_mult_we, ew_go, ew_rd, ew_flush;
  wire [31:0]       ew_data;
  wire              w_wr, w_seek, w_ptr_clear, w_sel;
  wire [WLineW-1:0] w_seek_line;
  wire [31:0]       b_base, b_base_stride;

  sasim_ctrl #(
    .Rows     (Rows),
    .Cols     (Cols),
    .Dataflow (Dataflow),
    .CLines   (CLines),
    .ADouble  (ADouble),
    .BDouble  (BDouble),
    .CDouble  (CDouble),
    .MaxMt    (MaxMt),
    .MaxKt    (MaxKt),
    .Im2col   (Ext),
    .Prefetch (Prefetch),
    .Eltwise  (Eltwise),
    .BLines   (BLines),
    .WLines   (WLines),
    .Keep     (Keep),
    .MaxMtIm  (MaxMtIm),
    .MaxMtAll (MaxMtAll),
    .MaxKtAll (MaxKtAll)
  ) u_ctrl (
    .clk_i           (clk),
    .rst_i           (reset),
    .cmd_go_i        (cmd_go),
    .cmd_fid_i       (cmd_fid),
    .cmd_in0_i       (cmd_in0),
    .cmd_in1_i       (cmd_in1),
    .exec_o          (exec),
    .late_o          (late),
    .rsp_o           (rsp_now),
    .wr_data_o       (wr_data),
    .a_wr_o          (a_wr),
    .b_wr_o          (b_wr),
    .a_ptr_clear_o   (a_ptr_clear),
    .b_ptr_clear_o   (b_ptr_clear),
    .a_wbank_o       (a_wbank),
    .b_wbank_o       (b_wbank),
    .a_active_o      (a_active),
    .b_active_o      (b_active),
    .kw_o            (a_kw),
    .kw_byte_o       (a_kw_byte),
    .w_wr_o          (w_wr),
    .w_seek_o        (w_seek),
    .w_seek_line_o   (w_seek_line),
    .w_ptr_clear_o   (w_ptr_clear),
    .w_sel_o         (w_sel),
    .arr_busy_i      (arr_busy),
    .arr_finishing_i (arr_finishing),
    .start_o         (unused_start),
    .pass_start_o    (pass_start),
    .mt_o            (mt),
    .kt_o            (kt),
    .nt_o            (nt),
    .keep_b_o        (keep_b),
    .im2col_o        (im2col),
    .b_cols_o        (b_cols),
    .j_o             (start_j),
    .slot_o          (start_slot),
    .g_in_w_o        (g_in_w),
    .g_in_h_o        (g_in_h),
    .g_out_w_o       (g_out_w),
    .g_stride_w_o    (g_sw),
    .g_stride_h_o    (g_sh),
    .g_lines_o       (g_lines),
    .g_pad_o         (g_pad),
    .g_bstride_o     (g_bstride),
    .b_base_o        (b_base),
    .b_base_stride_o (b_base_stride),
    .o_iy_o          (o_iy),
    .o_ix_o          (o_ix),
    .o_ix_row_o      (o_ix_row),
    .o_ox_o          (o_ox),
    .sq_cols_o       (sq_cols),
    .sq_lines_o      (sq_lines),
    .sq_dy_o         (sq_dy),
    .sq_dx_o         (sq_dx),
    .o_pix_o         (o_pix),
    .o_rpix_o        (o_rpix),
    .abort_o         (abort),
    .pass_bank_o     (pass_bank),
    .pass_clear_o    (pass_clear),
    .host_bank_o     (host_bank),
    .host_line_o     (host_line),
    .cfg_we_o        (cfg_we),
    .cfg_o           (cfg),
    .bias_we_o       (bias_we),
    .bias_o          (bias),
    .rq_we_o         (rq_we),
    .param_sets_o    (param_sets),
    .a_fill_o        (a_fill),
    .mult_o          (mult),
    .shift_o         (shift),
    .rd_go_o         (rd_go),
    .rd_raw_o        (rd_raw),
    .rd_lane_o       (rd_lane),
    .rd_nt_o         (rd_nt),
    .pf_flush_o      (pf_flush),
    .rd_line_n_o     (rd_line_n),
    .rd_lane_n_o     (rd_lane_n),
    .rd_oob_n_o      (rd_oob_n),
    .pf_block_o      (pf_block),
    .pf_pop_o        (pf_pop),
    .pf_ready_i      (pf_ready),
    .pf_data_i       (pf_data),
    .ew_cfg_we_o     (ew_cfg_we),
    .ew_mult_we_o    (ew_mult_we),
    .ew_go_o         (ew_go),
    .ew_rd_o         (ew_rd),
    .ew_flush_o      (ew_flush),
    .ew_data_i       (ew_data)
  );

  // ---------------------------------------------------------------------------
  // Elementwise unit (Eltwise = 1)
  // ---------------------------------------------------------------------------
  generate
    if (Eltwise != 0) begin : g_ew
      sasim_eltwise u_eltwise (
        .clk_i     (clk),
        .flush_i   (ew_flush),
        .cfg_we_i  (ew_cfg_we),
        .mult_we_i (ew_mult_we),
        .go_i      (ew_go),
        // READ_EW: a = the prefetched readback word, b = in0.
        .in0_i     (ew_rd ? pf_data : cmd_in0),
        .in1_i     (ew_rd ? cmd_in0 : cmd_in1),
        .data_o    (ew_data)
      );
    end else begin : g_no_ew
      assign ew_data = 32'd0;
      wire unused_ew = ^{ew_cfg_we, ew_mult_we, ew_go, ew_rd, ew_flush};
    end
  endgenerate

  // ---------------------------------------------------------------------------
  // Operand buffers
  // ---------------------------------------------------------------------------
  wire [ALineW-1:0] a_line;
  wire [BAddrW-1:0] b_line;
  wire [Rows*8-1:0] a_data;
  wire [Cols*8-1:0] b_data, bb_data;
  // The array's B line to each RAM (the store's lines may be wider).
  wire [31:0]       b_line32 = {{(32-BAddrW){1'b0}}, b_line};
  wire              unused_b_line32 = ^b_line32;

  sasim_opbuf #(
    .Lanes  (Rows),
    .Lines  (ALines),
    .Double (ADouble),
    .Keep   (Keep)
  ) u_abuf (
    .clk_i       (clk),
    .rst_i       (reset),
    .wr_i        (a_wr),
    .wr_bank_i   (a_wbank),
    .wr_data_i   (wr_data),
    .ptr_clear_i (a_ptr_clear),
    .fill_i      (a_fill),
    .seek_i      (1'b0),
    .seek_line_i ({ALineW{1'b0}}),
    .kw_i        (a_kw),
    .kw_byte_i   (a_kw_byte),
    .kw_data_i   (pf_data),
    .rd_line_i   (a_line),
    .rd_bank_i   (a_active),
    .line_o      (a_data)
  );

  sasim_opbuf #(
    .Lanes  (Cols),
    .Lines  (BLines),
    .Double (BDouble)
  ) u_bbuf (
    .clk_i       (clk),
    .rst_i       (reset),
    .wr_i        (b_wr),
    .wr_bank_i   (b_wbank),
    .wr_data_i   (wr_data),
    .ptr_clear_i (b_ptr_clear),
    .fill_i      (8'd0),
    .seek_i      (1'b0),
    .seek_line_i ({BLineW{1'b0}}),
    .kw_i        (1'b0),
    .kw_byte_i   (32'd0),
    .kw_data_i   (32'd0),
    .rd_line_i   (b_line32[BLineW-1:0]),
    .rd_bank_i   (b_active),
    .line_o      (bb_data)
  );

  // The weight store: one bank, written only while the array is idle
  // (WRITE_W's interlock), read by B_COLS passes started with it on. The
  // select is registered at the pass's START, so the mux sits after the
  // RAMs' output registers like the B bank select.
  generate
    if (WLines > 0) begin : g_wstore
      wire [Cols*8-1:0] w_data;
      sasim_opbuf #(
        .Lanes  (Cols),
        .Lines  (WLines),
        .Double (0)
      ) u_wbuf (
        .clk_i       (clk),
        .rst_i       (reset),
        .wr_i        (w_wr),
        .wr_bank_i   (1'b0),
        .wr_data_i   (wr_data),
        .ptr_clear_i (w_ptr_clear),
        .fill_i      (8'd0),
        .seek_i      (w_seek),
        .seek_line_i (w_seek_line),
        .kw_i        (1'b0),
        .kw_byte_i   (32'd0),
        .kw_data_i   (32'd0),
        .rd_line_i   (b_line32[WLineW-1:0]),
        .rd_bank_i   (1'b0),
        .line_o      (w_data)
      );
      assign b_data = w_sel ? w_data : bb_data;
    end else begin : g_no_wstore
      assign b_data = bb_data;
      wire unused_wstore = ^{w_wr, w_seek, w_seek_line, w_ptr_clear, w_sel};
    end
  endgenerate

  // ---------------------------------------------------------------------------
  // Array
  // ---------------------------------------------------------------------------
  wire [CLineW-1:0]  c_rline, c_wline;
  wire               c_we;
  wire [Cols-1:0]    c_wmask;
  wire [Cols*32-1:0] c_wdata;

  generate
    if (Ws != 0) begin : g_ws
      wire unused_sq = ^{sq_cols, sq_lines, sq_dy, sq_dx};  // (the OS tile form's walker)
      sasim_array_ws #(
        .Rows   (Rows),
        .Cols   (Cols),
        .ALines (ALines),
        .BLines (BLines),
        .CLines (CLines),
        .MaxMt  (MaxMtAll),
        .MaxKt  (MaxKtAll),
        .Im2col (Ext),
        .WLines (WLines)
      ) u_array (
        .clk_i        (clk),
        .rst_i        (reset),
        .start_i      (pass_start),
        .mt_i         (mt),
        .kt_i         (kt),
        .nt_i         (nt),
        .keep_b_i     (keep_b),
        .im2col_i     (im2col),
        .b_cols_i     (b_cols),
        .j_i          (start_j),
        .slot_i       (start_slot),
        .g_in_w_i     (g_in_w),
        .g_in_h_i     (g_in_h),
        .g_out_w_i    (g_out_w),
        .g_stride_w_i (g_sw),
        .g_stride_h_i (g_sh),
        .g_lines_i    (g_lines),
        .g_pad_i      (g_pad),
        .g_bstride_i  (g_bstride),
        .b_base_i     (b_base),
        .b_base_stride_i (b_base_stride),
        .o_iy_i       (o_iy),
        .o_ix_i       (o_ix),
        .o_ix_row_i   (o_ix_row),
        .o_ox_i       (o_ox),
        .o_pix_i      (o_pix),
        .o_rpix_i     (o_rpix),
        .abort_i      (abort),
        .busy_o      (arr_busy),
        .finishing_o (arr_finishing),
        .a_line_o    (a_line),
        .b_line_o    (b_line),
        .a_data_i    (a_data),
        .b_data_i    (b_data),
        .c_rline_o   (c_rline),
        .c_we_o      (c_we),
        .c_wline_o   (c_wline),
        .c_wmask_o   (c_wmask),
        .c_wdata_o   (c_wdata)
      );
    end else begin : g_os
      // B_COLS and SEQ are weight-stationary: their signals are unused.
      wire unused_ws = ^{b_cols, g_bstride, b_base_stride};
      sasim_array_os #(
        .Rows   (Rows),
        .Cols   (Cols),
        .ALines (ALines),
        .BLines (BLines),
        .CLines (CLines),
        .MaxMt  (MaxMtAll),
        .MaxKt  (MaxKtAll),
        .Im2col (Ext),
        .WLines (WLines)
      ) u_array (
        .clk_i        (clk),
        .rst_i        (reset),
        .start_i      (pass_start),
        .mt_i         (mt),
        .kt_i         (kt),
        .nt_i         (nt),
        .keep_b_i     (keep_b),
        .im2col_i     (im2col),
        .j_i          (start_j),
        .slot_i       (start_slot),
        .b_base_i     (b_base),
        .g_in_w_i     (g_in_w),
        .g_in_h_i     (g_in_h),
        .g_out_w_i    (g_out_w),
        .g_stride_w_i (g_sw),
        .g_stride_h_i (g_sh),
        .g_lines_i    (g_lines),
        .g_pad_i      (g_pad),
        .sq_cols_i    (sq_cols),
        .sq_lines_i   (sq_lines),
        .sq_dy_i      (sq_dy),
        .sq_dx_i      (sq_dx),
        .o_iy_i       (o_iy),
        .o_ix_i       (o_ix),
        .o_ix_row_i   (o_ix_row),
        .o_ox_i       (o_ox),
        .o_pix_i      (o_pix),
        .o_rpix_i     (o_rpix),
        .abort_i      (abort),
        .busy_o       (arr_busy),
        .finishing_o  (arr_finishing),
        .a_line_o     (a_line),
        .b_line_o     (b_line),
        .a_data_i     (a_data),
        .b_data_i     (b_data),
        .c_rline_o    (c_rline),
        .c_we_o       (c_we),
        .c_wline_o    (c_wline),
        .c_wmask_o    (c_wmask),
        .c_wdata_o    (c_wdata)
      );
    end
  endgenerate

  // ---------------------------------------------------------------------------
  // Result buffer and post-processing
  // ---------------------------------------------------------------------------
  wire [Cols*32-1:0] c_host_data;
  // The host port reads the prefetch's line, except for a READ RAW (which
  // flushes the prefetch) or without the prefetch: the read pointer's.
  wire [CLineW-1:0]  c_host_line = (Prefetch != 0 && !(rd_go && rd_raw)) ? pf_line : host_line;

  sasim_cbuf #(
    .Cols   (Cols),
    .Lines  (CLines),
    .Double (CDouble)
  ) u_cbuf (
    .clk_i       (clk),
    .arr_busy_i  (arr_busy),
    .arr_bank_i  (pass_bank),
    .arr_rline_i (c_rline),
    .arr_we_i    (c_we),
    .arr_clear_i (pass_clear),
    .arr_wline_i (c_wline),
    .arr_wmask_i (c_wmask),
    .arr_wdata_i (c_wdata),
    .host_bank_i (host_bank),
    .host_line_i (c_host_line),
    .host_data_o (c_host_data)
  );

  sasim_postproc #(
    .Cols     (Cols),
    .Sets     (Ext != 0 ? 2 : 1),
    .Prefetch (Prefetch),
    .CLines   (CLines)
  ) u_postproc (
    .clk_i     (clk),
    .cfg_we_i  (cfg_we),
    .cfg_i     (cfg),
    .bias_we_i (bias_we),
    .bias_i    (bias),
    .rq_we_i   (rq_we),
    .mult_i    (mult),
    .shift_i   (shift),
    .param_sets_i (param_sets),
    .rd_go_i   (rd_go),
    .rd_raw_i  (rd_raw),
    .rd_bank_i (host_bank),
    .rd_lane_i (rd_lane),
    .rd_nt_i   (rd_nt),
    .c_data_i  (c_host_data),
    .data_o    (rsp_late),
    .pf_flush_i  (pf_flush),
    .pf_line_n_i (rd_line_n),
    .pf_lane_n_i (rd_lane_n),
    .pf_oob_n_i  (rd_oob_n),
    .pf_block_i  (pf_block),
    .pf_pop_i    (pf_pop),
    .pf_line_o   (pf_line),
    .pf_ready_o  (pf_ready),
    .pf_data_o   (pf_data)
  );

endmodule
