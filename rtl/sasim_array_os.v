// ----------------------------------------------------------------------------
// sasim_array_os: the output-stationary systolic array and its pass sequencer.
//
// Contract (src/model/core.cc, OsArray; u = pass cycle, the step at the u-th
// rising edge after the edge at which START executes):
//  * start_i begins a pass of T = Kt + Mt + Nt - 1 cycles; busy_o is 1 for
//    cycles 0 .. T-1, finishing_o marks cycle T-1 (the next START may
//    execute there). The accumulators and operand registers are cleared at
//    the START edge.
//  * PE (r, c) accumulates C[r][c]. A line k, lane r enters PE row r at cycle
//    k + r and moves right; B line k, lane c enters PE column c at cycle
//    k + c and moves down; PE (r, c) performs step k at cycle k + r + c.
//  * C line r (lanes c < Nt) is written from the registered accumulators at
//    cycle Kt + Nt - 1 + r.
//  * a_line_o / b_line_o / c_rline_o are the lines the next cycle needs
//    (prefetch into the synchronous RAMs); line 0 when no pass continues
//    into the next cycle, since only a new pass's cycle 0 can follow.
//  * abort_i (soft reset) stops a pass; the C writes of earlier cycles stay.
//    keep_b_i has no meaning in this dataflow (both operands stream).
//  * The tile form (Im2col = 1, im2col_i; src/model/core.cc OsArray,
//    docs/microarchitecture.md "The OS tile form"): the pass is a tile of Mt
//    pixels in sub-passes of up to Rows pixels, back to back, each a pass
//    as above after one lead cycle (v: the sub-pass's cycle, 0 the lead),
//    writing C lines s x Rows + r. In cycle v < Kt the walker presents the
//    A line of row r = v mod Rows (r < the sub-pass's pixels) under chunk
//    q = v div Rows: pixel r of the sub-pass walked from its origin at
//    chunk q's tap (IM2COL_SEQ's position q: origin + row x dy, column x
//    dx; line j + its line), or a pad flag outside the band. The line
//    arrives in cycle v + 1: its lane 0 enters PE row r at once, lanes 1 ..
//    Rows - 1 from row r's shift register, one a cycle: step k = q x Rows +
//    i enters row r at cycle 1 + k + r, the input skew itself. B line
//    b_base_i + slot x Rows + v is presented in cycle v < Kt (step v enters
//    column c at 1 + v + c). The origin of sub-pass s + 1 is the walker's
//    pixel after stepping Rows pixels at chunk 0.
//
// Every PE is updated in every busy cycle. Operand lines outside 0 .. Kt-1
// enter as zeros (B; the tile form's A outside its steps meets a zero B),
// so PEs outside the model's band of valid steps only ever add 0 and the
// accumulators equal the model's.
// ----------------------------------------------------------------------------
module sasim_array_os #(
  parameter integer Rows   = 8,
  parameter integer Cols   = 8,
  parameter integer ALines = 1024,
  parameter integer BLines = 1024,
  parameter integer CLines = 128,
  // Largest legal Mt and Kt of a pass (the controller validates START
  // against them; see Cfu) and the widths derived from them.
  parameter integer MaxMt  = 8,
  parameter integer MaxKt  = 1024,
  parameter integer Im2col = 0,
  // The weight store's lines (0: none): a tile's B lines up to WLines - 1.
  parameter integer WLines = 0,
  parameter integer MtW    = $clog2(MaxMt + 1),
  parameter integer KtW    = $clog2(MaxKt + 1),
  parameter integer NtW    = $clog2(Cols + 1),
  parameter integer ALineW = (ALines > 1) ? $clog2(ALines) : 1,
  parameter integer BLineW = (BLines > 1) ? $clog2(BLines) : 1,
  parameter integer CLineW = (CLines > 1) ? $clog2(CLines) : 1,
  parameter integer WLineW = (WLines > 1) ? $clog2(WLines) : 1,
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
  // the tile form (Im2col = 1): geometry, IM2COL_SEQ and PIXEL registers
  // (stable while busy), the origin and the pass's operands at START
  input  wire                 im2col_i,
  input  wire [7:0]           j_i,
  input  wire [7:0]           slot_i,
  input  wire [31:0]          b_base_i,  // the store's base when the tile loads from it, else 0
  input  wire [15:0]          g_in_w_i,
  input  wire [15:0]          g_in_h_i,
  input  wire [15:0]          g_out_w_i,
  input  wire [7:0]           g_stride_w_i,
  input  wire [7:0]           g_stride_h_i,
  input  wire [7:0]           g_lines_i,
  input  wire [7:0]           g_pad_i,
  input  wire [7:0]           sq_cols_i,
  input  wire [7:0]           sq_lines_i,
  input  wire [15:0]          sq_dy_i,
  input  wire [15:0]          sq_dx_i,
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

  // Cycle counter width: holds a (sub-)pass's T (<= 1 + MaxKt + Rows + Cols
  // - 1, or MaxKt + MaxMt + Cols - 1), every line index and Rows, plus one
  // spare bit so that zero-extensions are never empty.
  localparam integer MaxT = MaxKt + MaxMt + Cols + Rows + 1;
  localparam integer W0   = $clog2(MaxT + 1);
  localparam integer W1   = (W0 > ALineW) ? W0 : ALineW;
  localparam integer W2   = (W1 > BAddrW) ? W1 : BAddrW;
  localparam integer W3   = (W2 > CLineW) ? W2 : CLineW;
  localparam integer UW   = W3 + 1;
  localparam [UW-1:0] UOne = 1;
  localparam [31:0]   Rows32 = Rows;
  localparam [UW-1:0] URows  = Rows32[UW-1:0];
  localparam [7:0]    RowsB  = Rows32[7:0];

  wire unused_keep_b = keep_b_i;

  // ---------------------------------------------------------------------------
  // Pass sequencer. A tile's sub-passes are passes of their own to the PEs
  // (cleared at each one's start, sub_go); the array stays busy throughout
  // and finishing_o marks only the last one's last cycle.
  // ---------------------------------------------------------------------------
  reg          busy_q;
  reg [UW-1:0] u_q;      // current (sub-)pass cycle
  reg [UW-1:0] t_q;      // its T
  reg [UW-1:0] dbase_q;  // cycle at which its C line 0 is written: L + Kt + Nt - 1
  reg [UW-1:0] mt_q;     // its pixels (rows of PEs)
  reg [UW-1:0] left_q;   // the tile's pixels after this sub-pass
  reg [UW-1:0] line0_q;  // its first C line
  reg [UW-1:0] kt_q;
  reg [UW-1:0] nt_q;
  reg [UW-1:0] lead_q;   // L: 1 in the tile form, else 0
  reg          im2col_q;

  wire          im2col_en = (Im2col != 0) && im2col_i;
  wire [UW-1:0] mt_u = {{(UW-MtW){1'b0}}, mt_i};
  wire [UW-1:0] kt_u = {{(UW-KtW){1'b0}}, kt_i};
  wire [UW-1:0] nt_u = {{(UW-NtW){1'b0}}, nt_i};
  // The first sub-pass's pixels: Mt, or in the tile form up to Rows.
  wire [UW-1:0] mt0_u = (im2col_en && mt_u > URows) ? URows : mt_u;
  wire [UW-1:0] ld_u  = im2col_en ? UOne : {UW{1'b0}};
  // The next sub-pass's pixels.
  wire [UW-1:0] mtn_u = (left_q > URows) ? URows : left_q;

  // The (sub-)pass's last cycle, busy_q && u_q + 1 == t_q, kept in a
  // register (set one edge ahead) so that the START interlock and the next
  // sub-pass do not wait for the compare. A (sub-)pass lasts at least 2
  // cycles, so a start never makes its first cycle the last.
  reg  last_q;
  localparam [UW-1:0] UTwo = 2;
  wire finishing = last_q && (left_q == {UW{1'b0}});
  wire sub_go    = last_q && (left_q != {UW{1'b0}});  // the tile's next sub-pass starts at this edge
  wire clear     = start_i || sub_go;
  always @(posedge clk_i) begin
    if (rst_i) last_q <= 1'b0;
    else if (clear) last_q <= 1'b0;
    else if (abort_i || finishing) last_q <= 1'b0;
    else if (busy_q) last_q <= (u_q + UTwo == t_q);
  end
  assign busy_o      = busy_q;
  assign finishing_o = finishing;

  always @(posedge clk_i) begin
    if (rst_i) begin
      busy_q   <= 1'b0;
      u_q      <= {UW{1'b0}};
      t_q      <= {UW{1'b0}};
      dbase_q  <= {UW{1'b0}};
      mt_q     <= {UW{1'b0}};
      left_q   <= {UW{1'b0}};
      line0_q  <= {UW{1'b0}};
      kt_q     <= {UW{1'b0}};
      nt_q     <= {UW{1'b0}};
      lead_q   <= {UW{1'b0}};
      im2col_q <= 1'b0;
    end else if (start_i) begin
      busy_q   <= 1'b1;
      u_q      <= {UW{1'b0}};
      t_q      <= ld_u + kt_u + mt0_u + nt_u - UOne;
      dbase_q  <= ld_u + kt_u + nt_u - UOne;
      mt_q     <= mt0_u;
      left_q   <= mt_u - mt0_u;
      line0_q  <= {UW{1'b0}};
      kt_q     <= kt_u;
      nt_q     <= nt_u;
      lead_q   <= ld_u;
      im2col_q <= im2col_en;
    end else if (abort_i || finishing) begin
      busy_q   <= 1'b0;
      left_q   <= {UW{1'b0}};
    end else if (sub_go) begin
      u_q      <= {UW{1'b0}};
      t_q      <= lead_q + kt_q + mtn_u + nt_q - UOne;
      mt_q     <= mtn_u;
      left_q   <= left_q - mtn_u;
      line0_q  <= line0_q + URows;
    end else if (busy_q) begin
      u_q      <= u_q + UOne;
    end
  end

  // ---------------------------------------------------------------------------
  // Operand lines for the next cycle (un). Plain: A and B line un while
  // un < Kt. Tile form: B line base + slot x Rows + u_q while u_q < Kt (step
  // u_q enters in cycle u_q + 1), A from the walker below.
  // ---------------------------------------------------------------------------
  wire          cont    = busy_q && !last_q;  // this (sub-)pass continues
  wire [UW-1:0] un      = cont ? u_q + UOne : {UW{1'b0}};
  wire [UW-1:0] k_line  = (un < kt_q) ? un : {UW{1'b0}};
  wire          rd_tile = cont && im2col_q && (u_q < kt_q);  // the tile form reads step u_q's lines now
  reg  [UW-1:0] bb_q;                                        // base + slot x Rows of the tile
  localparam integer SW = (UW > 40) ? UW : 40;
  wire [SW-1:0] slot_r  = {{(SW-8){1'b0}}, slot_i} * Rows;
  wire [SW-1:0] base_x  = {{(SW-32){1'b0}}, b_base_i};
  wire [SW-1:0] bb_n    = base_x + slot_r;
  always @(posedge clk_i) begin
    if (rst_i) bb_q <= {UW{1'b0}};
    else if (start_i) bb_q <= bb_n[UW-1:0];
  end
  wire unused_bb_hi = ^{bb_n[SW-1:UW]};
  wire [UW-1:0] b_tile  = rd_tile ? bb_q + u_q : {UW{1'b0}};
  wire [UW-1:0] b_line  = im2col_q ? b_tile : k_line;
  wire [UW-1:0] c_rl    = (un >= dbase_q) ? line0_q + un - dbase_q : {UW{1'b0}};
  assign b_line_o  = b_line[BAddrW-1:0];
  assign c_rline_o = c_rl[CLineW-1:0];
  // Line values fit their buffer's index; the counter's extra bits are zero.
  wire unused_line_hi = ^{k_line[UW-1:ALineW], b_line[UW-1:BAddrW], c_rl[UW-1:CLineW]};

  // B (and plain A) lines of this cycle belong to the pass: plain, line un
  // < Kt (a new pass's cycle 0 reads line 0); tile form, step u_q < Kt (a
  // new (sub-)pass's cycle 0 is its lead cycle: none).
  reg k_valid_q;
  always @(posedge clk_i) begin
    if (start_i) k_valid_q <= !im2col_en;
    else if (sub_go) k_valid_q <= 1'b0;
    else k_valid_q <= im2col_q ? rd_tile : (cont ? (un < kt_q) : 1'b1);
  end

  // ---------------------------------------------------------------------------
  // The tile form's walker (Im2col = 1). Counters of the read in this cycle:
  // rr_q its row (u_q mod Rows), ck_* its chunk's IM2COL_SEQ position; the
  // walker (w_*) holds its pixel and line, loaded at each chunk's first
  // read from the sub-pass's origin (so_*) plus the chunk's offsets, and
  // stepped one pixel per read as a WS pass steps (ix += stride_w, or past
  // the last output column ix := ix_row, iy += stride_h). The line index
  // is kept in a register and stepped by additions of registered products
  // of the geometry, as in sasim_array_ws.
  // ---------------------------------------------------------------------------
  reg         [7:0]  rr_q;                 // row of this cycle's read (u_q mod Rows)
  reg         [7:0]  ck_l_q, ck_c_q, ck_r_q; // its chunk: line, kernel column, kernel row
  reg  signed [47:0] ck_row_q, ck_col_q;   // line offsets of (row, 0) and (row, column), j included
  reg  signed [31:0] ck_dy_q, ck_dx_q;     // row x dy, column x dx
  // The sub-pass's origin (chunk 0, j excluded) and the next one's.
  reg  signed [31:0] so_iy_q, so_ix_q, nx_iy_q, nx_ix_q;
  reg         [15:0] so_ox_q, nx_ox_q, so_ixrow_q;
  reg  signed [47:0] so_wl_q, so_rb_q, nx_wl_q, nx_rb_q;
  // The walker.
  reg  signed [31:0] w_iy_q, w_ix_q, w_ixrow_q;
  reg         [15:0] w_ox_q;
  reg  signed [47:0] wl_q, rb_q;
  // Registered products of the geometry (GEOM, PIXEL and IM2COL_SEQ change
  // only while the array is idle, at least 2 edges before the START; the
  // products two stages deep are read from the first chunk change on, at
  // least 3 edges after the registers they come from).
  reg         [15:0] stepx_q;          // stride_w x lines
  reg         [31:0] stepy_q;          // stride_h x in_w x lines
  reg         [23:0] shw_q;
  reg  signed [31:0] dxl_q;            // dx x lines
  reg  signed [47:0] dyl_q;            // dy x in_w x lines
  reg  signed [39:0] dyw_q;
  always @(posedge clk_i) begin
    stepx_q <= {8'd0, g_stride_w_i} * {8'd0, g_lines_i};
    shw_q   <= {16'd0, g_stride_h_i} * {8'd0, g_in_w_i};
    stepy_q <= {8'd0, shw_q} * {24'd0, g_lines_i};
    dxl_q   <= $signed({{16{sq_dx_i[15]}}, sq_dx_i}) * $signed({24'd0, g_lines_i});
    dyw_q   <= $signed({{24{sq_dy_i[15]}}, sq_dy_i}) * $signed({24'd0, g_in_w_i});
    dyl_q   <= $signed({{8{dyw_q[39]}}, dyw_q}) * $signed({40'd0, g_lines_i});
  end
  wire signed [47:0] lines48 = $signed({40'd0, g_lines_i});
  // j: the START's (the bus operand) at START; latched for the sub-passes.
  reg         [7:0]  j_q;
  always @(posedge clk_i) begin
    if (rst_i) j_q <= 8'd0;
    else if (start_i) j_q <= j_i;
  end
  wire signed [47:0] js48    = $signed({40'd0, j_i});
  wire signed [47:0] j48     = $signed({40'd0, j_q});
  localparam [31:0]  ALinesU = ALines;
  wire signed [31:0] in_w_s  = $signed({16'd0, g_in_w_i});
  wire signed [31:0] in_h_s  = $signed({16'd0, g_in_h_i});
  wire               w_inside = (w_iy_q >= 0) && (w_iy_q < in_h_s) && (w_ix_q >= 0) && (w_ix_q < in_w_s) &&
                                !wl_q[47] && (wl_q[46:32] == 15'd0) && (wl_q[31:0] < ALinesU);
  wire               w_wrap   = ({16'd0, w_ox_q} + 32'd1 == {16'd0, g_out_w_i});
  // This cycle's read: row rr_q of the sub-pass exists; the next cycle's
  // read starts a chunk (row 0 of the next one) when this one is its last row.
  wire        [31:0] mt32     = {{(32-UW){1'b0}}, mt_q};  // (UW < 32)
  wire               rd_row   = rd_tile && ({24'd0, rr_q} < mt32);
  wire               row_last = (rr_q + 8'd1 == RowsB);
  wire               next_ck  = rd_tile && row_last && (u_q + UOne < kt_q);
  // The walker's next pixel (one step).
  wire signed [31:0] st_iy = w_wrap ? w_iy_q + $signed({24'd0, g_stride_h_i}) : w_iy_q;
  wire signed [31:0] st_ix = w_wrap ? w_ixrow_q : w_ix_q + $signed({24'd0, g_stride_w_i});
  wire        [15:0] st_ox = w_wrap ? 16'd0 : w_ox_q + 16'd1;
  wire signed [47:0] st_wl = w_wrap ? rb_q + $signed({16'd0, stepy_q}) : wl_q + $signed({32'd0, stepx_q});
  wire signed [47:0] st_rb = w_wrap ? rb_q + $signed({16'd0, stepy_q}) : rb_q;
  // The next chunk: line, then kernel column, then kernel row.
  wire               l_wrap = (ck_l_q + 8'd1 == sq_lines_i);
  wire               c_wrap = l_wrap && (ck_c_q + 8'd1 == sq_cols_i);
  wire        [7:0]  nl = l_wrap ? 8'd0 : ck_l_q + 8'd1;
  wire        [7:0]  nc = l_wrap ? (c_wrap ? 8'd0 : ck_c_q + 8'd1) : ck_c_q;
  wire        [7:0]  nr = c_wrap ? ck_r_q + 8'd1 : ck_r_q;
  wire signed [47:0] n_row = c_wrap ? ck_row_q + dyl_q : ck_row_q;
  wire signed [47:0] n_col = c_wrap ? ck_row_q + dyl_q : l_wrap ? ck_col_q + $signed({{16{dxl_q[31]}}, dxl_q}) : ck_col_q;
  wire signed [31:0] n_dy  = c_wrap ? ck_dy_q + $signed({{16{sq_dy_i[15]}}, sq_dy_i}) : ck_dy_q;
  wire signed [31:0] n_dx  = c_wrap ? 32'sd0 : l_wrap ? ck_dx_q + $signed({{16{sq_dx_i[15]}}, sq_dx_i}) : ck_dx_q;
  wire signed [47:0] n_off = n_col + $signed({40'd0, nl});
  // The sub-pass's origin, and at a sub_go the next one's.
  wire signed [31:0] o_iy_s = $signed({{16{o_iy_i[15]}}, o_iy_i});
  wire signed [31:0] o_ix_s = $signed({{16{o_ix_i[15]}}, o_ix_i});
  reg                pad_q;  // the line read in the previous cycle was padding
  reg                ld_q;   // ... and it was row ld_r_q's
  reg         [7:0]  ld_r_q;

  always @(posedge clk_i) begin
    if (rst_i) begin
      rr_q <= 8'd0; ck_l_q <= 8'd0; ck_c_q <= 8'd0; ck_r_q <= 8'd0;
      ck_row_q <= 48'sd0; ck_col_q <= 48'sd0; ck_dy_q <= 32'sd0; ck_dx_q <= 32'sd0;
      so_iy_q <= 32'sd0; so_ix_q <= 32'sd0; so_ox_q <= 16'd0; so_ixrow_q <= 16'd0; so_wl_q <= 48'sd0; so_rb_q <= 48'sd0;
      nx_iy_q <= 32'sd0; nx_ix_q <= 32'sd0; nx_ox_q <= 16'd0; nx_wl_q <= 48'sd0; nx_rb_q <= 48'sd0;
      w_iy_q <= 32'sd0; w_ix_q <= 32'sd0; w_ixrow_q <= 32'sd0; w_ox_q <= 16'd0; wl_q <= 48'sd0; rb_q <= 48'sd0;
      pad_q <= 1'b0; ld_q <= 1'b0; ld_r_q <= 8'd0;
    end else begin
      pad_q  <= rd_row && !w_inside;
      ld_q   <= rd_row;
      ld_r_q <= rr_q;
      if (start_i || sub_go) begin
        // Chunk 0 of a (sub-)pass: the origin (ORIGIN's at START, the
        // captured one at sub_go), line j.
        rr_q <= 8'd0; ck_l_q <= 8'd0; ck_c_q <= 8'd0; ck_r_q <= 8'd0;
        ck_row_q <= start_i ? js48 : j48; ck_col_q <= start_i ? js48 : j48; ck_dy_q <= 32'sd0; ck_dx_q <= 32'sd0;
        if (start_i) begin
          so_iy_q    <= o_iy_s;
          so_ix_q    <= o_ix_s;
          so_ox_q    <= o_ox_i;
          so_ixrow_q <= o_ix_row_i;
          so_wl_q    <= $signed({{8{o_pix_i[39]}}, o_pix_i}) * lines48;
          so_rb_q    <= $signed({{8{o_rpix_i[39]}}, o_rpix_i}) * lines48;
          w_iy_q     <= o_iy_s;
          w_ix_q     <= o_ix_s;
          w_ixrow_q  <= $signed({{16{o_ix_row_i[15]}}, o_ix_row_i});
          w_ox_q     <= o_ox_i;
          wl_q       <= $signed({{8{o_pix_i[39]}}, o_pix_i}) * lines48 + js48;
          rb_q       <= $signed({{8{o_rpix_i[39]}}, o_rpix_i}) * lines48 + js48;
        end else begin
          so_iy_q    <= nx_iy_q;
          so_ix_q    <= nx_ix_q;
          so_ox_q    <= nx_ox_q;
          so_wl_q    <= nx_wl_q;
          so_rb_q    <= nx_rb_q;
          w_iy_q     <= nx_iy_q;
          w_ix_q     <= nx_ix_q;
          w_ixrow_q  <= $signed({{16{so_ixrow_q[15]}}, so_ixrow_q});
          w_ox_q     <= nx_ox_q;
          wl_q       <= nx_wl_q + j48;
          rb_q       <= nx_rb_q + j48;
        end
      end else if (rd_tile) begin
        rr_q <= row_last ? 8'd0 : rr_q + 8'd1;
        // Chunk 0's last row: the pixel after it is the next sub-pass's
        // origin (chunk 0 is at the origin's tap, line j).
        if (row_last && ck_l_q == 8'd0 && ck_c_q == 8'd0 && ck_r_q == 8'd0) begin
          nx_iy_q <= st_iy;
          nx_ix_q <= st_ix;
          nx_ox_q <= st_ox;
          nx_wl_q <= st_wl - j48;
          nx_rb_q <= st_rb - j48;
        end
        if (next_ck) begin
          ck_l_q <= nl; ck_c_q <= nc; ck_r_q <= nr;
          ck_row_q <= n_row; ck_col_q <= n_col; ck_dy_q <= n_dy; ck_dx_q <= n_dx;
          w_iy_q    <= so_iy_q + n_dy;
          w_ix_q    <= so_ix_q + n_dx;
          w_ixrow_q <= $signed({{16{so_ixrow_q[15]}}, so_ixrow_q}) + n_dx;
          w_ox_q    <= so_ox_q;
          wl_q      <= so_wl_q + n_off;
          rb_q      <= so_rb_q + n_off;
        end else if (rd_row) begin
          w_iy_q <= st_iy;
          w_ix_q <= st_ix;
          w_ox_q <= st_ox;
          wl_q   <= st_wl;
          rb_q   <= st_rb;
        end
      end
    end
  end

  wire [ALineW-1:0] gen_line = w_inside ? wl_q[ALineW-1:0] : {ALineW{1'b0}};
  assign a_line_o = (Im2col != 0 && im2col_q && rd_row) ? gen_line : k_line[ALineW-1:0];

  // ---------------------------------------------------------------------------
  // PE grid. PE (r, c) is g_row[r].g_col[c]; its outputs are at r * Cols + c.
  // ---------------------------------------------------------------------------
  wire [7:0]  a_in  [0:Rows-1];       // entering PE (r, 0) this cycle
  wire [7:0]  b_in  [0:Cols-1];       // entering PE (0, c) this cycle
  wire [7:0]  a_w   [0:Rows*Cols-1];
  wire [7:0]  b_w   [0:Rows*Cols-1];
  wire [31:0] acc_w [0:Rows*Cols-1];
  wire [Rows*8-1:0] a_gated = k_valid_q ? a_data_i : {(Rows*8){1'b0}};
  wire [Cols*8-1:0] b_gated = k_valid_q ? b_data_i : {(Cols*8){1'b0}};
  // The tile form's line as read: the pad value in every lane of a padding line.
  wire [Rows*8-1:0] a_tile  = pad_q ? {Rows{g_pad_i}} : a_data_i;

  generate
    if (Im2col == 0) begin : g_no_tile
      wire unused_tile = ^{ld_q, ld_r_q, a_tile};
    end
  endgenerate

  // Input skew: lane i of an operand line reaches the array edge i cycles
  // later; cleared at START like the model's operand registers. Tile form:
  // row r's line arrives whole in one cycle; its lane 0 enters at once and
  // the rest from the row's shift register, a lane a cycle.
  genvar gr, gc;
  generate
    for (gr = 0; gr < Rows; gr = gr + 1) begin : g_askew
      wire [7:0] plain_in;
      if (gr == 0) begin : g_direct
        assign plain_in = a_gated[7:0];
      end else begin : g_skew
        reg [gr*8-1:0] skew_q;  // byte k: the lane's value k + 1 cycles ago
        if (gr == 1) begin : g_one
          always @(posedge clk_i) begin
            if (clear) skew_q <= 8'd0;
            else if (busy_q) skew_q <= a_gated[gr*8 +: 8];
          end
        end else begin : g_more
          always @(posedge clk_i) begin
            if (clear) skew_q <= {(gr*8){1'b0}};
            else if (busy_q) skew_q <= {skew_q[(gr-1)*8-1:0], a_gated[gr*8 +: 8]};
          end
        end
        assign plain_in = skew_q[gr*8-1 -: 8];
      end
      if (Im2col != 0) begin : g_tile
        localparam [7:0] RowIdx = gr;
        wire       here = ld_q && (ld_r_q == RowIdx);  // row r's line arrives this cycle
        wire [7:0] held;                               // lane 1 of the line that arrived last cycle, ...
        if (Rows == 1) begin : g_one_lane
          assign held = 8'd0;
        end else begin : g_lanes
          reg [(Rows-1)*8-1:0] sh_q;  // byte i: the lane entering i + 1 cycles after lane 0
          if (Rows == 2) begin : g_two
            always @(posedge clk_i) begin
              if (clear) sh_q <= 8'd0;
              else if (here) sh_q <= a_tile[15:8];
              else if (busy_q) sh_q <= 8'd0;
            end
          end else begin : g_more
            always @(posedge clk_i) begin
              if (clear) sh_q <= {((Rows-1)*8){1'b0}};
              else if (here) sh_q <= a_tile[Rows*8-1:8];
              else if (busy_q) sh_q <= {8'd0, sh_q[(Rows-1)*8-1:8]};
            end
          end
          assign held = sh_q[7:0];
        end
        assign a_in[gr] = im2col_q ? (here ? a_tile[7:0] : held) : plain_in;
      end else begin : g_plain
        assign a_in[gr] = plain_in;
      end
    end
    for (gc = 0; gc < Cols; gc = gc + 1) begin : g_bskew
      if (gc == 0) begin : g_direct
        assign b_in[gc] = b_gated[7:0];
      end else begin : g_skew
        reg [gc*8-1:0] skew_q;
        if (gc == 1) begin : g_one
          always @(posedge clk_i) begin
            if (clear) skew_q <= 8'd0;
            else if (busy_q) skew_q <= b_gated[gc*8 +: 8];
          end
        end else begin : g_more
          always @(posedge clk_i) begin
            if (clear) skew_q <= {(gc*8){1'b0}};
            else if (busy_q) skew_q <= {skew_q[(gc-1)*8-1:0], b_gated[gc*8 +: 8]};
          end
        end
        assign b_in[gc] = skew_q[gc*8-1 -: 8];
      end
    end
    for (gr = 0; gr < Rows; gr = gr + 1) begin : g_row
      for (gc = 0; gc < Cols; gc = gc + 1) begin : g_col
        sasim_pe_os u_pe (
          .clk_i   (clk_i),
          .clear_i (clear),
          .en_i    (busy_q),
          .a_i     ((gc == 0) ? a_in[gr] : a_w[gr*Cols + gc - 1]),
          .b_i     ((gr == 0) ? b_in[gc] : b_w[(gr-1)*Cols + gc]),
          .a_o     (a_w[gr*Cols + gc]),
          .b_o     (b_w[gr*Cols + gc]),
          .acc_o   (acc_w[gr*Cols + gc])
        );
      end
    end
  endgenerate

  // ---------------------------------------------------------------------------
  // Drain: C line line0 + dl, dl = u - (L + Kt + Nt - 1), from accumulator
  // row dl.
  // ---------------------------------------------------------------------------
  wire [UW-1:0] dl = u_q - dbase_q;
  wire [UW-1:0] cl = line0_q + dl;
  reg  [31:0]   wdata [0:Cols-1];
  integer r, c;

  always @* begin
    for (c = 0; c < Cols; c = c + 1) begin
      wdata[c] = acc_w[c];
      for (r = 1; r < Rows; r = r + 1) begin
        if (dl == r[UW-1:0]) begin
          wdata[c] = acc_w[r*Cols + c];
        end
      end
    end
  end

  assign c_we_o    = busy_q && (u_q >= dbase_q) && (dl < mt_q);
  assign c_wline_o = cl[CLineW-1:0];
  wire unused_cl_hi = ^{cl[UW-1:CLineW]};

  generate
    for (gc = 0; gc < Cols; gc = gc + 1) begin : g_cout
      localparam [UW-1:0] Lane = gc;
      assign c_wmask_o[gc]          = (Lane < nt_q);
      assign c_wdata_o[gc*32 +: 32] = wdata[gc];
    end
  endgenerate

endmodule
