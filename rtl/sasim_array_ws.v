// ----------------------------------------------------------------------------
// sasim_array_ws: the weight-stationary systolic array and its pass sequencer.
//
// Contract (src/model/core.cc, WsArray; cycle numbers are pass cycles u, the
// step at the u-th rising edge after the edge at which START executes):
//  * start_i at an edge begins a pass of T = L + Kt + Mt + Nt - 1 cycles,
//    L = Kt (weight load) or 0 with keep_b_i. busy_o is 1 for cycles
//    0 .. T-1; finishing_o marks cycle T-1, in which the controller may
//    execute the next START (back-to-back passes, no bubble).
//  * Weight load, u < L: PE row u takes B line u, lanes c < Nt. Weights are
//    kept across passes (keep_b) and cleared only by rst_i or abort_i (the
//    RESET command: the model rebuilds the array, so KEEP_B after a reset
//    reuses nothing).
//  * A line m enters PE row r (lane r) at cycle L + m + r and moves one column
//    right per cycle; partial sums move one row down; PE row Kt-1's
//    registered sum of line m leaves column c at cycle L + Kt + m + c.
//  * C line m (lanes c < Nt) is written at cycle L + Kt + m + Nt - 1, all its
//    lanes at once, exactly as the model writes it: the triangular deskew
//    buffer delays column c by Nt - 1 - c cycles.
//  * a_line_o / b_line_o / c_rline_o are the lines the next cycle needs,
//    sampled by the synchronous RAMs at this edge (prefetch). When no pass
//    continues into the next cycle they are line 0 (B: the executing START's
//    first weight line): the only possible next cycle is a new pass's cycle
//    0, which reads line 0.
//  * abort_i (soft reset) stops a pass; the C writes of earlier cycles stay.
//  * The im2col extension (Im2col = 1; src/model/core.cc, im2col_lines):
//    with im2col_i the pass's A line m is generated: the walker starts at
//    the ORIGIN registers (iy, ix, ox) latched at START and steps one pixel
//    per cycle (ix += stride_w, or past the last output column ix := ix_row,
//    iy += stride_h); line (iy * in_w + ix) * lines + j is prefetched in
//    cycle L + m - 1, or, outside the band (or past ALines), every lane of
//    the line reads the pad value. L >= 1 for such a pass (1 with keep_b).
//    With b_cols_i the weight load takes Nt cycles: B line u fills PE column
//    u (lanes r < Kt) instead of PE row u; with B stride 0 (the diagonal,
//    for depthwise) PE (r, u) takes lane r only when r = u, else 0.
//  * By rows from a slot: an IM2COL pass without B_COLS loads PE row u from
//    line base + slot x Rows + u (a group's passes side by side in B or the
//    store, `Rows` lines each: arrays taller or much wider than the B_COLS
//    line suits).
//  * The weight store: a B_COLS pass's line u is b_base_i + slot + u x B
//    stride (by rows: b_base_i + slot x Rows + u), b_base_i (and
//    b_base_stride_i = b_base_i + B stride) as presented with start_i: the
//    store's base when the pass loads from the store, else 0. b_line_o is
//    then BAddrW bits wide, enough for a store line; which RAM answers
//    (b_data_i) is the caller's choice (Cfu's registered select). A pass
//    without IM2COL or B_COLS does not use the base.
//
// Every PE is updated in every busy cycle. The model evaluates only the band
// of PEs working on a line of the pass; the others hold values that no valid
// PE ever consumes (a valid PE only reads what valid PEs produced in the
// previous cycle), so updating them too changes nothing observable.
// ----------------------------------------------------------------------------
module sasim_array_ws #(
  parameter integer Rows   = 8,
  parameter integer Cols   = 8,
  parameter integer ALines = 1024,
  parameter integer BLines = 1024,
  parameter integer CLines = 128,
  // Largest legal Mt and Kt of a pass (the controller validates START
  // against them; see Cfu) and the widths derived from them.
  parameter integer MaxMt  = 128,
  parameter integer MaxKt  = 8,
  parameter integer Im2col = 1,
  // The weight store's lines (0: none): B_COLS lines up to WLines - 1.
  parameter integer WLines = 0,
  parameter integer MtW    = $clog2(MaxMt + 1),
  parameter integer KtW    = $clog2(MaxKt + 1),
  parameter integer NtW    = $clog2(Cols + 1),
  parameter integer ALineW = (ALines > 1) ? $clog2(ALines) : 1,
  parameter integer BLineW = (BLines > 1) ? $clog2(BLines) : 1,
  parameter integer CLineW = (CLines > 1) ? $clog2(CLines) : 1,
  parameter integer WLineW = (WLines > 1) ? $clog2(WLines) : 1,
  // B line addresses: B bank lines, and with the extension store lines.
  parameter integer BAddrW = (Im2col != 0 && WLines > 0 && WLineW > BLineW) ? WLineW : BLineW
) (
  input  wire                 clk_i,
  input  wire                 rst_i,
  // pass control
  input  wire                 start_i,
  input  wire [MtW-1:0]       mt_i,
  input  wire [KtW-1:0]       kt_i,
  input  wire [NtW-1:0]       nt_i,
  input  wire                 keep_b_i,
  input  wire                 im2col_i,
  input  wire                 b_cols_i,
  input  wire [7:0]           j_i,
  input  wire [7:0]           slot_i,
  // im2col geometry (stable while busy: GEOM/PIXEL wait for an idle array)
  // and the next pass's first pixel (latched at START)
  input  wire [15:0]          g_in_w_i,
  input  wire [15:0]          g_in_h_i,
  input  wire [15:0]          g_out_w_i,
  input  wire [7:0]           g_stride_w_i,
  input  wire [7:0]           g_stride_h_i,
  input  wire [7:0]           g_lines_i,
  input  wire [7:0]           g_pad_i,
  input  wire [15:0]          g_bstride_i,
  input  wire [31:0]          b_base_i,         // B_COLS: the offset of the pass's lines (store base or 0)
  input  wire [31:0]          b_base_stride_i,  // b_base_i + B stride
  input  wire [15:0]          o_iy_i,
  input  wire [15:0]          o_ix_i,
  input  wire [15:0]          o_ix_row_i,
  input  wire [15:0]          o_ox_i,
  input  wire signed [39:0]   o_pix_i,   // o_iy * in_w + o_ix (registered in the controller)
  input  wire signed [39:0]   o_rpix_i,  // o_iy * in_w + o_ix_row
  input  wire                 abort_i,
  output wire                 busy_o,
  output wire                 finishing_o,
  // operand buffers
  output wire [ALineW-1:0]    a_line_o,
  output wire [BAddrW-1:0]    b_line_o,
  input  wire [Rows*8-1:0]    a_data_i,
  input  wire [Cols*8-1:0]    b_data_i,
  // result buffer
  output wire [CLineW-1:0]    c_rline_o,
  output wire                 c_we_o,
  output wire [CLineW-1:0]    c_wline_o,
  output wire [Cols-1:0]      c_wmask_o,
  output wire [Cols*32-1:0]   c_wdata_o
);

  // Cycle counter width: holds T (<= 2 MaxKt + MaxMt + Cols - 1), every line
  // index and Rows, plus one spare bit so that zero-extensions are never empty.
  localparam integer MaxT = 2 * MaxKt + MaxMt + Cols + Rows;
  localparam integer W0   = $clog2(MaxT + 1);
  localparam integer W1   = (W0 > ALineW) ? W0 : ALineW;
  localparam integer W2   = (W1 > BAddrW) ? W1 : BAddrW;
  localparam integer W3   = (W2 > CLineW) ? W2 : CLineW;
  localparam integer UW   = W3 + 1;
  localparam [UW-1:0] UOne = 1;

  // ---------------------------------------------------------------------------
  // Pass sequencer
  // ---------------------------------------------------------------------------
  reg           busy_q;
  reg [UW-1:0]  u_q;      // current pass cycle
  reg [UW-1:0]  t_q;      // T
  reg [UW-1:0]  s_q;      // L: weight-load cycles (Kt or 0)
  reg [UW-1:0]  wbase_q;  // cycle at which C line 0 is written: L + Kt + Nt - 1
  reg [UW-1:0]  mt_q;
  reg [UW-1:0]  kt_q;
  reg [UW-1:0]  nt_q;
  reg           wload_q;  // the lead cycles load weights (not keep_b)
  reg           im2col_q, b_cols_q;
  reg [UW-1:0]  bnext_q;  // B_COLS / by rows: the weight load's B line of the next cycle

  wire [UW-1:0] mt_u = {{(UW-MtW){1'b0}}, mt_i};
  wire [UW-1:0] kt_u = {{(UW-KtW){1'b0}}, kt_i};
  wire [UW-1:0] nt_u = {{(UW-NtW){1'b0}}, nt_i};
  wire          im2col_en = (Im2col != 0) && im2col_i;
  wire          b_cols_en = (Im2col != 0) && b_cols_i;
  // By rows from the slot: an IM2COL pass without B_COLS loads PE row u
  // from line base + slot x Rows + u.
  wire          b_rows_en = im2col_en && !b_cols_i;
  // L (cfu_isa.h, ws_lead_cycles)
  wire [UW-1:0] s_u  = keep_b_i ? (im2col_en ? UOne : {UW{1'b0}}) : (b_cols_en ? nt_u : kt_u);
  // B_COLS: PE column u loads line base + slot + u * B stride (the
  // controller checks that the last one exists, so every line fits UW bits;
  // the sums are taken modulo 2^UW, exact for every line read). UW < 32.
  localparam integer SW = (UW > 16) ? UW : 16;
  wire [SW-1:0] slot_x    = {{(SW-8){1'b0}}, slot_i};
  wire [SW-1:0] bstride_x = {{(SW-16){1'b0}}, g_bstride_i};
  wire [UW-1:0] slot_u    = slot_x[UW-1:0];
  wire [UW-1:0] bstride_u = bstride_x[UW-1:0];
  wire [UW-1:0] base_u    = b_base_i[UW-1:0];
  wire [UW-1:0] bbs_u     = b_base_stride_i[UW-1:0];
  // slot x Rows (a constant multiple: shifts and adds), + base.
  localparam [31:0] Rows32 = Rows;
  wire [31:0]   srow32    = {24'd0, slot_i} * Rows32;
  wire [UW-1:0] brow_u    = base_u + srow32[UW-1:0];
  wire          unused_base_hi = ^{b_base_i, b_base_stride_i, srow32};
  reg  [UW-1:0] bstride_q;
  always @(posedge clk_i) begin
    if (rst_i) bstride_q <= {UW{1'b0}};
    else if (start_i) bstride_q <= bstride_u;
  end
  wire unused_bstride_hi = ^{slot_x, bstride_x};
  // B stride 0 with B_COLS: the diagonal (depthwise): PE (r, c) takes lane
  // r of the line only when r = c, else 0.
  wire          diag_q = b_cols_q && (bstride_q == {UW{1'b0}});

  // The pass's last cycle, busy_q && u_q + 1 == t_q, kept in a register
  // (set one edge ahead) so that the START interlock and a sequence's next
  // pass do not wait for the compare. A pass lasts at least 2 cycles, so a
  // START never makes its first cycle the last.
  reg  fin_q;
  wire finishing = fin_q;
  localparam [UW-1:0] UTwo = 2;
  always @(posedge clk_i) begin
    if (rst_i) fin_q <= 1'b0;
    else if (start_i) fin_q <= 1'b0;
    else if (abort_i || finishing) fin_q <= 1'b0;
    else if (busy_q) fin_q <= (u_q + UTwo == t_q);
  end
  assign busy_o      = busy_q;
  assign finishing_o = finishing;

  always @(posedge clk_i) begin
    if (rst_i) begin
      busy_q  <= 1'b0;
      u_q     <= {UW{1'b0}};
      t_q     <= {UW{1'b0}};
      s_q     <= {UW{1'b0}};
      wbase_q <= {UW{1'b0}};
      mt_q    <= {UW{1'b0}};
      kt_q    <= {UW{1'b0}};
      nt_q    <= {UW{1'b0}};
      wload_q <= 1'b0;
      im2col_q <= 1'b0;
      b_cols_q <= 1'b0;
      bnext_q <= {UW{1'b0}};
    end else if (start_i) begin
      busy_q  <= 1'b1;
      u_q     <= {UW{1'b0}};
      t_q     <= s_u + kt_u + mt_u + nt_u - UOne;
      s_q     <= s_u;
      wbase_q <= s_u + kt_u + nt_u - UOne;
      mt_q    <= mt_u;
      kt_q    <= kt_u;
      nt_q    <= nt_u;
      wload_q <= !keep_b_i;
      im2col_q <= im2col_en;
      b_cols_q <= b_cols_en;
      bnext_q <= b_cols_en ? slot_u + bbs_u : b_rows_en ? brow_u + UOne : {UW{1'b0}};
    end else if (abort_i || finishing) begin
      busy_q  <= 1'b0;
    end else if (busy_q) begin
      u_q     <= u_q + UOne;
      bnext_q <= bnext_q + (b_cols_q ? bstride_q : UOne);
    end
  end

  // ---------------------------------------------------------------------------
  // Prefetch addresses for the next cycle (un).
  // ---------------------------------------------------------------------------
  wire [UW-1:0] un     = (busy_q && !finishing) ? u_q + UOne : {UW{1'b0}};
  wire [UW-1:0] a_line = (un >= s_q) ? un - s_q : {UW{1'b0}};
  // B: the next cycle's line of the weight load. When no pass continues,
  // the next cycle can only be a new pass's cycle 0: its first line is the
  // START's base + slot (B_COLS), base + slot x Rows (by rows), else 0, from the command being
  // presented. The address is not gated by the START being accepted (that
  // would put START's checks in front of the RAM): when no pass starts, the
  // line read is unused.
  wire          going  = busy_q && !finishing;
  // (B_COLS, or by rows with IM2COL: the line counter; a plain pass: line u)
  wire [UW-1:0] b_line = going ? ((un < s_q) ? ((b_cols_q || im2col_q) ? bnext_q : un) : {UW{1'b0}})
                               : (b_cols_en ? slot_u + base_u : b_rows_en ? brow_u : {UW{1'b0}});
  wire [UW-1:0] c_rl   = (un >= wbase_q) ? un - wbase_q : {UW{1'b0}};
  assign b_line_o  = b_line[BAddrW-1:0];
  assign c_rline_o = c_rl[CLineW-1:0];
  // Line values fit their buffer's index; the counter's extra bits are zero.
  wire unused_line_hi = ^{a_line[UW-1:ALineW], b_line[UW-1:BAddrW], c_rl[UW-1:CLineW]};

  // ---------------------------------------------------------------------------
  // im2col walker: the pixel whose A line is prefetched next.
  // ---------------------------------------------------------------------------
  // ix_row of the pass (ORIGIN may be rewritten for the next pass meanwhile).
  reg [15:0] o_ix_row_q;
  always @(posedge clk_i) begin
    if (rst_i) o_ix_row_q <= 16'd0;
    else if (start_i) o_ix_row_q <= o_ix_row_i;
  end

  reg  signed [31:0] w_iy_q, w_ix_q;
  reg         [15:0] w_ox_q;
  // The walker's A line, (iy * in_w + ix) * lines + j, kept in a register
  // and stepped by additions (a multiply chain would not fit one 75 MHz
  // cycle): wl_q is the current pixel's line, rb_q the line of the current
  // row's first pixel (ix_row). A step right adds stride_w * lines, a new
  // row stride_h * in_w * lines to the row's line. The steps are registered
  // products of the geometry, which changes only while the array is idle and
  // at least 2 edges before the START that uses it.
  reg  signed [47:0] wl_q, rb_q;
  reg         [15:0] stepx_q;
  reg         [23:0] shw_q;
  reg         [31:0] stepy_q;
  always @(posedge clk_i) begin
    stepx_q <= {8'd0, g_stride_w_i} * {8'd0, g_lines_i};
    shw_q   <= {16'd0, g_stride_h_i} * {8'd0, g_in_w_i};
    stepy_q <= {8'd0, shw_q} * {24'd0, g_lines_i};
  end
  wire signed [47:0] lines48 = $signed({40'd0, g_lines_i});
  wire signed [47:0] j48     = $signed({40'd0, j_i});
  // The bound on a line index. (Compared on the low word: a concatenation
  // with ALines in it is taken as unsized by Verilator when the parameter is
  // a plain literal, as in an exported cfu.v.)
  localparam [31:0]        ALinesU = ALines;
  wire signed [31:0] in_w_s   = $signed({16'd0, g_in_w_i});
  wire signed [31:0] in_h_s   = $signed({16'd0, g_in_h_i});
  wire               w_inside = (w_iy_q >= 0) && (w_iy_q < in_h_s) && (w_ix_q >= 0) && (w_ix_q < in_w_s) &&
                                !wl_q[47] && (wl_q[46:32] == 15'd0) && (wl_q[31:0] < ALinesU);
  wire               w_step   = busy_q && !finishing && im2col_q && (un >= s_q);
  wire               w_wrap   = ({16'd0, w_ox_q} + 32'd1 == {16'd0, g_out_w_i});
  reg                pad_q;  // the line read this cycle is padding

  always @(posedge clk_i) begin
    if (rst_i) begin
      w_iy_q <= 32'sd0;
      w_ix_q <= 32'sd0;
      w_ox_q <= 16'd0;
      wl_q   <= 48'sd0;
      rb_q   <= 48'sd0;
      pad_q  <= 1'b0;
    end else begin
      pad_q <= w_step && !w_inside;
      if (start_i) begin
        w_iy_q <= $signed({{16{o_iy_i[15]}}, o_iy_i});
        w_ix_q <= $signed({{16{o_ix_i[15]}}, o_ix_i});
        w_ox_q <= o_ox_i;
        wl_q   <= $signed({{8{o_pix_i[39]}}, o_pix_i}) * lines48 + j48;
        rb_q   <= $signed({{8{o_rpix_i[39]}}, o_rpix_i}) * lines48 + j48;
      end else if (w_step) begin
        if (w_wrap) begin
          w_ox_q <= 16'd0;
          w_ix_q <= $signed({{16{o_ix_row_q[15]}}, o_ix_row_q});
          w_iy_q <= w_iy_q + $signed({24'd0, g_stride_h_i});
          wl_q   <= rb_q + $signed({16'd0, stepy_q});
          rb_q   <= rb_q + $signed({16'd0, stepy_q});
        end else begin
          w_ox_q <= w_ox_q + 16'd1;
          w_ix_q <= w_ix_q + $signed({24'd0, g_stride_w_i});
          wl_q   <= wl_q + $signed({32'd0, stepx_q});
        end
      end
    end
  end

  wire [ALineW-1:0] gen_line = w_inside ? wl_q[ALineW-1:0] : {ALineW{1'b0}};
  assign a_line_o = (Im2col != 0 && w_step) ? gen_line : a_line[ALineW-1:0];

  // The A values entering the array: the pad value in every lane of a
  // padding line.
  wire [Rows*8-1:0] a_eff = pad_q ? {Rows{g_pad_i}} : a_data_i;

  // ---------------------------------------------------------------------------
  // PE grid. PE (r, c) is g_row[r].g_col[c]; its outputs are at r * Cols + c.
  // ---------------------------------------------------------------------------
  wire [7:0]  a_in  [0:Rows-1];       // activation entering PE (r, 0) this cycle
  wire [7:0]  a_w   [0:Rows*Cols-1];  // registered activation of each PE
  wire [31:0] p_w   [0:Rows*Cols-1];  // registered partial sum of each PE
  wire        load    = busy_q && wload_q && (u_q < s_q);
  wire        w_clear = rst_i || abort_i;

  genvar gr, gc;
  generate
    for (gr = 0; gr < Rows; gr = gr + 1) begin : g_row
      localparam [UW-1:0] RowIdx = gr;
      // Input skew: lane r of the A line reaches PE (r, 0) r cycles later.
      if (gr == 0) begin : g_direct
        assign a_in[gr] = a_eff[7:0];
      end else begin : g_skew
        reg [gr*8-1:0] skew_q;  // byte k: the lane's value k + 1 cycles ago
        if (gr == 1) begin : g_one
          always @(posedge clk_i) begin
            if (busy_q) skew_q <= a_eff[gr*8 +: 8];
          end
        end else begin : g_more
          always @(posedge clk_i) begin
            if (busy_q) skew_q <= {skew_q[(gr-1)*8-1:0], a_eff[gr*8 +: 8]};
          end
        end
        assign a_in[gr] = skew_q[gr*8-1 -: 8];
      end
      for (gc = 0; gc < Cols; gc = gc + 1) begin : g_col
        localparam [UW-1:0] ColIdx = gc;
        // B_COLS: PE (r, c) takes lane r of B line c (Rows <= Cols, checked
        // at START; lane r exists in a line of Cols lanes).
        localparam integer BLane = (gr < Cols) ? gr : 0;
        localparam        OffDiag = (gr != gc);
        wire w_by_row = (u_q == RowIdx) && (ColIdx < nt_q);
        wire w_by_col = (u_q == ColIdx) && (RowIdx < kt_q);
        sasim_pe_ws u_pe (
          .clk_i     (clk_i),
          .en_i      (busy_q),
          .w_clear_i (w_clear),
          .w_load_i  (load && (b_cols_q ? w_by_col : w_by_row)),
          .w_i       (b_cols_q ? ((diag_q && OffDiag) ? 8'd0 : b_data_i[BLane*8 +: 8]) : b_data_i[gc*8 +: 8]),
          .a_i       ((gc == 0) ? a_in[gr] : a_w[gr*Cols + gc - 1]),
          .p_i       ((gr == 0) ? 32'd0 : p_w[(gr-1)*Cols + gc]),
          .a_o       (a_w[gr*Cols + gc]),
          .p_o       (p_w[gr*Cols + gc])
        );
      end
    end
  endgenerate

  // ---------------------------------------------------------------------------
  // Output row (PE row Kt-1) and deskew.
  // ---------------------------------------------------------------------------
  reg  [31:0] out_row [0:Cols-1];  // row Kt-1's registered sums
  wire [31:0] wdata   [0:Cols-1];
  integer r, c;

  always @* begin
    for (c = 0; c < Cols; c = c + 1) begin
      out_row[c] = p_w[c];
      for (r = 1; r < Rows; r = r + 1) begin
        if (kt_q == r[UW-1:0] + UOne) begin
          out_row[c] = p_w[r*Cols + c];
        end
      end
    end
  end

  // Lane c of the line written now left the array Nt - 1 - c cycles ago:
  // column c keeps a history of its last Cols - 1 - c outputs.
  generate
    for (gc = 0; gc < Cols; gc = gc + 1) begin : g_deskew
      localparam integer Depth = Cols - 1 - gc;
      localparam [UW-1:0] Lane = gc;
      if (Depth == 0) begin : g_none
        assign wdata[gc] = out_row[gc];
      end else begin : g_taps
        reg [Depth*32-1:0] dsk_q;  // word k: the column's output k + 1 cycles ago
        reg [31:0]         tap;
        integer            j;
        if (Depth == 1) begin : g_one
          always @(posedge clk_i) begin
            if (busy_q) dsk_q <= out_row[gc];
          end
        end else begin : g_more
          always @(posedge clk_i) begin
            if (busy_q) dsk_q <= {dsk_q[(Depth-1)*32-1:0], out_row[gc]};
          end
        end
        always @* begin
          tap = out_row[gc];
          for (j = 1; j <= Depth; j = j + 1) begin
            if (nt_q == Lane + j[UW-1:0] + UOne) begin
              tap = dsk_q[j*32-1 -: 32];
            end
          end
        end
        assign wdata[gc] = tap;
      end
    end
  endgenerate

  wire [UW-1:0] wl = u_q - wbase_q;
  assign c_we_o    = busy_q && (u_q >= wbase_q) && (wl < mt_q);
  assign c_wline_o = wl[CLineW-1:0];

  generate
    for (gc = 0; gc < Cols; gc = gc + 1) begin : g_cout
      localparam [UW-1:0] Lane = gc;
      assign c_wmask_o[gc]            = (Lane < nt_q);
      assign c_wdata_o[gc*32 +: 32]   = wdata[gc];
    end
  endgenerate

endmodule
