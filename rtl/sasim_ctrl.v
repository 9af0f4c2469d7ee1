// ----------------------------------------------------------------------------
// sasim_ctrl: command decode, interlocks and the control registers.
//
// Contract (src/driver/cfu_isa.h for the command table; src/model/core.cc,
// CfuCore::try_execute for the behaviour, which this module mirrors case by
// case):
//  * cmd_go_i: the front end presents a pending command this edge. exec_o
//    says whether it executes at this edge; if not, it is held and presented
//    again at the next edge. Interlocks use the array state before the edge:
//      START         waits while busy, except in the pass's last cycle;
//      READ NEXT/RAW waits while busy and the pass writes the bank read;
//      WRITE_A/B     waits while busy when that buffer is single-buffered;
//      WRITE_W       waits while busy (the weight store has one bank);
//      WAIT          waits while busy.
//    Field checks that reject a command come before its interlock exactly
//    where the model's do (funct7 first; START's operands after the wait).
//  * A rejected command executes at once: error flag set, response
//    0xffffffff (latency 1). Rejected (docs/command-set.md): a funct7 not in
//    the table; BIAS/REQUANT of a column >= Cols or REQUANT with a shift
//    outside -31..30; an invalid START (after its interlock); SEEK to a line
//    >= CLines; READ NEXT/RAW past the last line or of a bank no START has
//    selected since reset (after the READ interlock); W_SEEK to a line >=
//    WLines or not at a multiple of 8 bytes, W_BASE on at a line >= WLines.
//  * The weight store (WLines > 0; without it W_SEEK, W_BASE and WRITE_W
//    are rejected as unknown): W_SEEK moves the store's write pointer
//    (w_seek_o), WRITE_W writes there (w_wr_o); W_BASE sets the base and
//    on flag that START latches. A pass with B_COLS started while it is on
//    loads PE column u from store line base + slot + u x B stride (a WS
//    IM2COL pass without B_COLS: PE row u from base + slot x Rows + u): b_base_o
//    (0 while off) and b_base_stride_o (+ B stride) go to the array's line
//    counter with the START (a SEQ's later passes: its START's copies), and
//    w_sel_o, registered at the pass's start, selects the store's RAM as
//    the pass's weight source (an OS tile started while it is on: store
//    line base + slot x Rows + k, the array adding slot x Rows). For such a
//    pass START's bound on the last line read is WLines - base instead of
//    BLines.
//  * The output keep (Keep = 1; without it funct7 4 of READ is rejected as
//    unknown): KEEP sets the keep pointer := in0 & ~3 and the stride :=
//    in1 & ~3 (0: off), no wait. While the stride is not 0, a READ NEXT
//    that executes (the prefetched word; not READ_EW or READ RAW) also
//    writes its 4 bytes into the shadow A bank (kw_o) at byte kw_byte_o =
//    pointer + (read lane & ~3), modulo 2^32, and when its step moves the
//    read pointer to the next line the pointer steps by the stride (modulo
//    2^32). SEEK leaves both; RESET clears both.
//  * rsp_o is the latency-1 response; late_o marks READ NEXT/RAW, whose
//    response the post-processing unit forms in the next cycle.
//  * RESET (the command, and rst_i alike) clears: error flag, write pointers
//    (the store's too: w_ptr_clear_o), active banks, read pointer, the Nt
//    recorded per C bank, the store's base and on flag, the keep's pointer
//    and stride, and aborts a
//    running pass clearing the array (abort_o). The post-processing
//    parameters and the buffer contents (the store's included) stay.
// ----------------------------------------------------------------------------
module sasim_ctrl #(
  parameter integer Rows     = 8,
  parameter integer Cols     = 8,
  parameter integer Dataflow = 0,
  parameter integer CLines   = 128,
  parameter integer ADouble  = 1,
  parameter integer BDouble  = 1,
  parameter integer CDouble  = 1,
  parameter integer MaxMt    = 128,
  parameter integer MaxKt    = 8,
  // The im2col extension: IM2COL passes may have Mt up to MaxMtIm (C lines;
  // no A limit), B_COLS and by-rows passes (WS) Kt up to Rows (their lines
  // checked against the bank or store), OS
  // tiles Kt up to the B (or store) lines (their START checks).
  parameter integer Im2col   = 1,
  // The prefetching post-processor: READ NEXT takes the word it computed
  // ahead (pf_ready_i / pf_data_i) with latency 1.
  parameter integer Prefetch = 1,
  // The elementwise extension: EW_CONFIG / EW_MULT / EW_OP (sasim_eltwise).
  parameter integer Eltwise  = 1,
  parameter integer BLines   = 1024,
  // The weight store's lines (0: none; W_SEEK, W_BASE, WRITE_W rejected).
  parameter integer WLines   = 0,
  // The output keep (KEEP; Cfu derives it: the extension, the prefetch and
  // a power-of-two A line pitch).
  parameter integer Keep     = 0,
  parameter integer WLineW   = (WLines > 1) ? $clog2(WLines) : 1,
  parameter integer MaxMtIm  = MaxMt,
  parameter integer MaxMtAll = (MaxMtIm > MaxMt) ? MaxMtIm : MaxMt,
  parameter integer MaxKtAll = (Rows > MaxKt) ? Rows : MaxKt,
  parameter integer MtW      = $clog2(MaxMtAll + 1),
  parameter integer KtW      = $clog2(MaxKtAll + 1),
  parameter integer NtW      = $clog2(Cols + 1),
  parameter integer CLineW   = (CLines > 1) ? $clog2(CLines) : 1,
  parameter integer LaneW    = (Cols > 1) ? $clog2(Cols) : 1
) (
  input  wire               clk_i,
  input  wire               rst_i,
  // front end
  input  wire               cmd_go_i,
  input  wire [9:0]         cmd_fid_i,
  input  wire [31:0]        cmd_in0_i,
  input  wire [31:0]        cmd_in1_i,
  output reg                exec_o,
  output reg                late_o,
  output reg  [31:0]        rsp_o,
  // operand buffers
  output wire [63:0]        wr_data_o,
  output reg                a_wr_o,
  output reg                b_wr_o,
  output reg                a_ptr_clear_o,
  output reg                b_ptr_clear_o,
  output wire               a_wbank_o,
  output wire               b_wbank_o,
  output wire               a_active_o,
  output wire               b_active_o,
  // the output keep (Keep = 1): READ NEXT's word into the shadow A bank
  output reg                kw_o,
  output wire [31:0]        kw_byte_o,
  // weight store (WLines > 0)
  output reg                w_wr_o,           // WRITE_W
  output reg                w_seek_o,         // W_SEEK: the write pointer to line w_seek_line_o
  output wire [WLineW-1:0]  w_seek_line_o,
  output wire               w_ptr_clear_o,    // RESET: the write pointer to 0
  output wire               w_sel_o,          // the running pass loads its weights from the store
  // array
  input  wire               arr_busy_i,
  input  wire               arr_finishing_i,
  output reg                start_o,
  output wire               pass_start_o,  // START executed, or a SEQ's next pass
  output wire [MtW-1:0]     mt_o,
  output wire [KtW-1:0]     kt_o,
  output wire [NtW-1:0]     nt_o,
  output wire               keep_b_o,
  output wire               im2col_o,
  output wire               b_cols_o,
  output wire [7:0]         j_o,
  output wire [7:0]         slot_o,
  output wire [15:0]        g_in_w_o,
  output wire [15:0]        g_in_h_o,
  output wire [15:0]        g_out_w_o,
  output wire [7:0]         g_stride_w_o,
  output wire [7:0]         g_stride_h_o,
  output wire [7:0]         g_lines_o,
  output wire [7:0]         g_pad_o,
  output wire [15:0]        g_bstride_o,
  // The pass starting now (pass_start_o): the first B_COLS line's offset,
  // the store's base (0 while off), and base + B stride (registered).
  output wire [31:0]        b_base_o,
  output wire [31:0]        b_base_stride_o,
  output wire [15:0]        o_iy_o,
  output wire [15:0]        o_ix_o,
  output wire [15:0]        o_ix_row_o,
  output wire [15:0]        o_ox_o,
  // IM2COL_SEQ (the OS tile form's walker)
  output wire [7:0]         sq_cols_o,
  output wire [7:0]         sq_lines_o,
  output wire [15:0]        sq_dy_o,
  output wire [15:0]        sq_dx_o,
  // The origin's pixel index iy * in_w + ix (and with ix_row), precomputed
  // in registers so that the walker's first A line needs one multiply only.
  output wire signed [39:0] o_pix_o,
  output wire signed [39:0] o_rpix_o,
  output reg                abort_o,
  output wire               pass_bank_o,
  output wire               pass_clear_o,
  // result buffer, host read port
  output wire               host_bank_o,
  output wire [CLineW-1:0]  host_line_o,
  // post-processing unit
  output reg                cfg_we_o,
  output wire [23:0]        cfg_o,
  output reg  [Cols-1:0]    bias_we_o,
  output wire [31:0]        bias_o,
  output reg  [Cols-1:0]    rq_we_o,
  output wire [1:0]         param_sets_o,  // the parameter sets PARAM writes (bit b: C bank b's)
  output wire [7:0]         a_fill_o,      // A_FILL: the 8-byte parts a WRITE_A line takes (0: all)
  output wire [31:0]        mult_o,
  output wire [7:0]         shift_o,
  output reg                rd_go_o,
  output reg                rd_raw_o,
  output wire [LaneW-1:0]   rd_lane_o,
  output wire [NtW-1:0]     rd_nt_o,
  // prefetch (Prefetch = 1): the read pointer after this edge, the flush,
  // whether the array writes the bank being read, and READ NEXT's word
  output wire               pf_flush_o,
  output reg  [CLineW-1:0]  rd_line_n_o,
  output reg  [LaneW-1:0]   rd_lane_n_o,
  output reg                rd_oob_n_o,
  output wire               pf_block_o,
  output reg                pf_pop_o,
  input  wire               pf_ready_i,
  input  wire [31:0]        pf_data_i,
  // elementwise unit (Eltwise = 1): parameter writes, EW_OP and READ_EW,
  // its flush (reset, RESET, either parameter write) and their response
  output reg                ew_cfg_we_o,
  output reg                ew_mult_we_o,
  output reg                ew_go_o,
  output reg                ew_rd_o,  // READ_EW: operand a is the prefetched word, b = in0
  output wire               ew_flush_o,
  input  wire [31:0]        ew_data_i
);

  // ---------------------------------------------------------------------------
  // Command table (driver/cfu_isa.h)
  // ---------------------------------------------------------------------------
  localparam [2:0] F3Cfg    = 3'd0;
  localparam [2:0] F3WriteA = 3'd1;
  localparam [2:0] F3WriteB = 3'd2;
  localparam [2:0] F3Param  = 3'd3;
  localparam [2:0] F3Start  = 3'd4;
  localparam [2:0] F3Read   = 3'd5;
  localparam [2:0] F3Wait   = 3'd6;

  // READ_EW needs both the elementwise unit and the prefetched word.
  localparam EwRead = (Eltwise != 0) && (Prefetch != 0);
  localparam [31:0] IsaVersion    = 32'd1;
  localparam [31:0] ErrorResponse = 32'hffff_ffff;
  localparam [31:0] IdWord        = Rows | (Cols << 8) | (Dataflow << 16) | (IsaVersion << 24);

  localparam [NtW-1:0]    NtZero   = {NtW{1'b0}};
  localparam [LaneW+2:0]  LaneFour = 4;
  localparam [LaneW+2:0]  LaneOne  = 1;
  localparam [CLineW-1:0] LineOne  = 1;
  localparam integer      CLinesM1 = CLines - 1;
  localparam [CLineW-1:0] LineLast = CLinesM1[CLineW-1:0];

  // ---------------------------------------------------------------------------
  // Control registers
  // ---------------------------------------------------------------------------
  reg              error_q;
  reg              a_active_q, b_active_q;  // banks the array reads
  reg              rd_bank_q;
  reg [CLineW-1:0] rd_line_q;
  reg              rd_oob_q;                // read line >= CLines
  reg [LaneW-1:0]  rd_lane_q;
  reg [NtW-1:0]    c_cols_q [0:1];          // Nt of the pass that last wrote each C bank
  reg              pass_bank_q, pass_clear_q;
  reg [29:0]       keep_ptr_q, keep_stride_q;  // the output keep: byte pointer and stride / 4
  reg              keep_on_q;                  // its stride is not 0

  // ---------------------------------------------------------------------------
  // Decode
  // ---------------------------------------------------------------------------
  wire [2:0]  f3 = cmd_fid_i[2:0];
  wire [6:0]  f7 = cmd_fid_i[9:3];
  wire [31:0] in0 = cmd_in0_i;
  wire [31:0] in1 = cmd_in1_i;

  // The im2col extension: its registers and commands on either dataflow;
  // B_COLS, HOLD_B and SEQ on WS only, the tile form of START (IM2COL) on OS.
  localparam integer Ext   = (Im2col != 0) ? 1 : 0;
  localparam integer ExtWs = (Im2col != 0 && Dataflow == 0) ? 1 : 0;
  localparam integer ExtOs = (Im2col != 0 && Dataflow != 0) ? 1 : 0;
  // ---------------------------------------------------------------------------
  // SEQ (the im2col extension): a START with SEQ runs the IM2COL_SEQ passes
  // back to back; each next pass starts in the last cycle of the current one
  // (seq_go), with the operands the model's start_seq_pass() forms.
  // ---------------------------------------------------------------------------
  reg  [7:0]  sq_rows_q, sq_cols_q, sq_lines_q;  // IM2COL_SEQ
  reg  [15:0] sq_rc_q;                           // rows x cols, from the command's operands
  reg  [15:0] sq_dy_q, sq_dx_q;
  reg  [8:0]  sq_left_q;                         // passes still to start
  reg         sq_on_q;                           // sq_left_q != 0, kept in a register (seq_go's path)
  reg  [7:0]  sq_row_q, sq_col_q, sq_line_q, sq_p_q;
  reg  [31:0] sq_in0_q, sq_in1_q;                // the SEQ START's operands
  reg  [15:0] sq_iy_q, sq_ix_q, sq_ixrow_q, sq_ox_q;  // its origin
  wire        seq_go = (ExtWs != 0) && sq_on_q && arr_finishing_i;
  // The next position: line, then kernel column, then kernel row.
  wire        sq_line_wrap = (sq_line_q + 8'd1 == sq_lines_q);
  wire        sq_col_wrap  = sq_line_wrap && (sq_col_q + 8'd1 == sq_cols_q);
  wire [7:0]  sq_line_n = sq_line_wrap ? 8'd0 : sq_line_q + 8'd1;
  wire [7:0]  sq_col_n  = sq_line_wrap ? (sq_col_wrap ? 8'd0 : sq_col_q + 8'd1) : sq_col_q;
  wire [7:0]  sq_row_n  = sq_col_wrap ? sq_row_q + 8'd1 : sq_row_q;
  wire [7:0]  sq_p_n    = sq_p_q + 8'd1;
  wire [23:0] sq_dy_row = $signed({16'd0, sq_row_n}) * $signed({{8{sq_dy_q[15]}}, sq_dy_q});
  wire [23:0] sq_dx_col = $signed({16'd0, sq_col_n}) * $signed({{8{sq_dx_q[15]}}, sq_dx_q});
  wire [15:0] sq_iy_n    = sq_iy_q + sq_dy_row[15:0];
  wire [15:0] sq_ix_n    = sq_ix_q + sq_dx_col[15:0];
  wire [15:0] sq_ixrow_n = sq_ixrow_q + sq_dx_col[15:0];
  wire        unused_sq_hi = ^{sq_dy_row[23:16], sq_dx_col[23:16], sq_in1_q[15:14], sq_in1_q[12:10], sq_in1_q[8]};
  // Flags of a sequence's later pass: its C bank, IM2COL, the START's B_COLS
  // (else by rows), KEEP_A, HOLD_B.
  wire [7:0]  sq_flags = {1'b0, 1'b1, sq_in1_q[13], 1'b1, 1'b0, 1'b1, sq_in1_q[9], 1'b0};
  wire [31:0] sq_pin1  = {sq_in1_q[31:24] + sq_p_n, sq_in1_q[23:16] + sq_line_n, sq_flags, sq_in1_q[7:0]};

  // START operands (the command's, or the sequence's next pass):
  // in0 = Mt | Kt << 16; in1 = Nt | flags << 8 | j << 16 | slot << 24.
  wire [31:0] p_in0 = seq_go ? sq_in0_q : in0;
  wire [31:0] p_in1 = seq_go ? sq_pin1 : in1;
  wire [15:0] mt16 = p_in0[15:0];
  wire [15:0] kt16 = p_in0[31:16];
  wire [7:0]  nt8  = p_in1[7:0];
  wire        unused_p_hi = ^{mt16, kt16, nt8};  // the pass takes the low bits; START's checks read in0/in1
  wire        flag_clear  = p_in1[8];
  wire        flag_cbank  = p_in1[9];
  wire        flag_keep_a = p_in1[10];
  wire        flag_keep_b = p_in1[11];
  wire        flag_im2col = p_in1[12];
  wire        flag_b_cols = p_in1[13];
  wire        flag_hold_b = p_in1[14];
  wire        flag_seq    = p_in1[15];
  wire [7:0]  start_j     = p_in1[23:16];
  // (the slot: B_COLS's first line, by rows (WS IM2COL) or the OS tile's
  // first chunk of B)
  wire [7:0]  start_slot  = (flag_b_cols || flag_im2col) ? p_in1[31:24] : 8'd0;
  // im2col registers (IM2COL_GEOM, _PIXEL, _ORIGIN)
  reg [15:0] g_in_w_q, g_in_h_q, g_out_w_q, o_iy_q, o_ix_q, o_ix_row_q, o_ox_q;
  reg [7:0]  g_sw_q, g_sh_q, g_lines_q, g_pad_q;
  reg [15:0] g_bstride_q;
  // PARAM_BANK (extension): the parameter sets BIAS/REQUANT write; 3 (both)
  // after reset and without the extension.
  reg [1:0]  param_sets_q = 2'b11;
  assign param_sets_o = (Ext != 0) ? param_sets_q : 2'b11;
  // A_FILL (extension): WRITE_A fills a_fill_q parts of each A line (a
  // pixel of fewer channels than `rows`, raw NHWC words), 0 after reset.
  localparam integer APitch = (Rows <= 1) ? 1 : (Rows <= 2) ? 2 : (Rows <= 4) ? 4 : ((Rows + 7) / 8) * 8;
  localparam integer AParts = (APitch <= 8) ? 1 : APitch / 8;
  localparam [31:0]  APartsU = AParts;
  reg  [7:0] a_fill_q = 8'd0;
  assign a_fill_o = (Ext != 0) ? a_fill_q : 8'd0;
  wire       afill_bad = (in0 > APartsU);
  reg        do_afill;
  // START's checks (the model's start_pass) read the command's own operands:
  // a START never executes at a sequence's pass start (it waits for the
  // sequence's end), and reading them from the bus keeps the array's
  // finishing cycle off the checks' path.
  wire [15:0] c_mt16   = in0[15:0];
  wire [15:0] c_kt16   = in0[31:16];
  wire [7:0]  c_nt8    = in1[7:0];
  wire        c_keep_b = in1[11];
  wire        c_im2col = in1[12];
  wire        c_b_cols = in1[13];
  wire        c_hold_b = in1[14];
  wire        c_seq    = in1[15];
  wire [7:0]  c_j      = in1[23:16];
  wire        c_tile   = (ExtOs != 0) && c_im2col;  // the OS tile form
  wire [7:0]  c_slot   = (c_b_cols || c_im2col) ? in1[31:24] : 8'd0;
  wire        c_rows   = (ExtWs != 0) && c_im2col && !c_b_cols;  // WS by rows from the slot
  wire       ext_ok  = ((Ext != 0) || !c_im2col) && ((ExtWs != 0) || !(c_b_cols || c_hold_b));
  wire       hold_ok = !c_hold_b || ((c_b_cols || c_im2col) && !c_keep_b);
  // The last B line a B_COLS load reads, slot + (Nt - 1) * stride, must be
  // < end; a sequence's, slot + passes - 1 + (Nt - 1) * stride, too. end is
  // BLines, or with the weight store on WLines - base (bend_q holds end + 1,
  // set by W_BASE from its own operands, so that the sequence's bound adds
  // no term to the pass count's path). Both are checked as slot < a bound
  // chosen by Nt from registered tables, so that the START's path has an
  // 8-bit compare and a select, no arithmetic:
  //   bc_lim[k] = end - (k - 1) * stride
  //   sq_lim[k] = end + 1 - passes - (k - 1) * stride
  // (k = 1 .. Cols; Nt outside that range is rejected on its own). The
  // tables are products of the PIXEL, IM2COL_SEQ and W_BASE registers,
  // written at least 2 edges before the START that reads them (commands
  // execute at least 2 edges apart: the response is taken at the earliest
  // one edge after a command executes, and the next transfers one later).
  reg  signed [35:0] bc_lim_tab [1:Cols];
  reg  signed [35:0] sq_lim_tab [1:Cols];
  reg                bc_slot_ok, sq_slot_ok;
  // The sequence's pass count (the IM2COL_SEQ registers' product; rows x
  // cols is formed as IM2COL_SEQ executes, so that one multiply, not two,
  // stands before the bound tables).
  wire [23:0]        sq_passes = {8'd0, sq_rc_q} * {16'd0, sq_lines_q};
  wire signed [35:0] passes_s  = $signed({12'd0, sq_passes});
  wire signed [35:0] stride_s = $signed({20'd0, g_bstride_q});
  wire [31:0]        blines32 = BLines;
  wire signed [35:0] blines_s = $signed({4'd0, blines32});
  wire signed [35:0] blines1_s = blines_s + 36'sd1;
  reg  signed [35:0] bend_q;  // end + 1; see the weight store below
  wire signed [35:0] bend_s   = (WLines > 0) ? bend_q : blines1_s;
  genvar gk;
  generate
    for (gk = 1; gk <= Cols; gk = gk + 1) begin : g_lim
      // (k - 1) * stride as shifted strides, one per set bit of the
      // constant k - 1: adders, not a multiplier block per entry.
      localparam integer Km1 = gk - 1;
      reg signed [35:0] ks;
      integer           bit_i;
      always @* begin
        ks = 36'sd0;
        for (bit_i = 0; bit_i < 7; bit_i = bit_i + 1) begin
          if (((Km1 >> bit_i) & 1) != 0) ks = ks + (stride_s <<< bit_i);
        end
      end
      always @(posedge clk_i) begin
        bc_lim_tab[gk] <= bend_s - 36'sd1 - ks;
        sq_lim_tab[gk] <= bend_s - passes_s - ks;
      end
    end
  endgenerate
  // slot (0..255) < lim[Nt]: decided for every entry, then selected by Nt,
  // so that the entries' range bits (registers) are reduced off the bus
  // operands' path: a command's slot meets an 8-bit compare, its Nt a
  // one-bit select.
  integer k;
  always @* begin
    bc_slot_ok = 1'b0;
    sq_slot_ok = 1'b0;
    for (k = 1; k <= Cols; k = k + 1) begin
      if ({24'd0, c_nt8} == k) begin
        bc_slot_ok = !bc_lim_tab[k][35] && ((bc_lim_tab[k][34:8] != 27'd0) || (c_slot < bc_lim_tab[k][7:0]));
        sq_slot_ok = !sq_lim_tab[k][35] && ((sq_lim_tab[k][34:8] != 27'd0) || (c_slot < sq_lim_tab[k][7:0]));
      end
    end
  end
  wire       im2c_ok = !c_im2col || ((g_in_w_q != 16'd0) && (g_lines_q != 8'd0) && (c_j < g_lines_q));
  wire       mt_ok   = c_im2col ? ({16'd0, c_mt16} <= MaxMtIm) : ({16'd0, c_mt16} <= MaxMt);
  wire       kt_ok   = c_tile || ((c_b_cols || c_rows) ? ({16'd0, c_kt16} <= Rows) : ({16'd0, c_kt16} <= MaxKt));
  wire       bc_ok   = !c_b_cols || ((Rows <= Cols) && bc_slot_ok);
  // SEQ: the whole sequence valid (model: start_pass): its passes, last j,
  // last slot. The registers below follow the IM2COL_SEQ registers one edge
  // behind (written at least 2 edges before the START that checks them):
  // passes - 1 for the sequence's pass counter (a valid sequence has at most
  // 256 passes: its last slot is <= 255), the slot bound, no pass at all.
  reg  [8:0]  sq_pm1_q;
  always @(posedge clk_i) sq_pm1_q <= sq_passes[8:0] - 9'd1;
  // last slot = slot + passes - 1 <= 255 <=> slot <= 256 - passes
  reg  signed [33:0] sq_slot_max_q;
  reg                sq_none_q;
  always @(posedge clk_i) begin
    sq_none_q     <= (sq_rows_q == 8'd0) || (sq_cols_q == 8'd0) || (sq_lines_q == 8'd0);
    sq_slot_max_q <= 34'sd256 - $signed({10'd0, sq_passes});
  end
  wire [23:0] sq_j_last = {16'd0, c_j} + {16'd0, sq_lines_q} - 24'd1;
  // (B_COLS: the columns' last line, sq_slot_ok; by rows: rows_ok below.)
  wire       seq_ok  = !c_seq || ((ExtWs != 0) && c_im2col && !c_keep_b &&
                                     !sq_none_q && ($signed({26'd0, c_slot}) <= sq_slot_max_q) &&
                                     (sq_j_last < {16'd0, g_lines_q}) && (!c_b_cols || sq_slot_ok));
  // The OS tile form (model: start_pass): Kt whole chunks of Rows steps, no
  // more than IM2COL_SEQ has; j + the lines they use < lines per pixel; its
  // B lines, slot x Rows + Kt, within the bank (the store: W lines - base,
  // bend_s = end + 1); B_COLS, HOLD_B, SEQ refused (ext_ok, seq_ok). The
  // products of IM2COL_SEQ's registers follow them one edge behind (set at
  // least 2 edges before the START).
  reg  [31:0] sq_pr_q, sq_lr_q;  // passes x Rows, lines x Rows
  // WS by rows, SEQ: end + 1 - (passes - 1) x Rows, the bound of the first
  // pass's slot x Rows + Kt (from the IM2COL_SEQ and W_BASE registers, one
  // edge behind them like the tables above: no arithmetic of its own on the
  // START's path).
  reg  signed [35:0] sq_rows_lim_q;
  always @(posedge clk_i) begin
    sq_pr_q <= {8'd0, sq_passes} * Rows;
    sq_rows_lim_q <= bend_s - $signed({4'd0, ({8'd0, sq_passes} * Rows - Rows)});
    sq_lr_q <= {24'd0, sq_lines_q} * Rows;
  end
  wire [31:0] kt32      = {16'd0, c_kt16};
  wire        kt_whole  = (kt32 % Rows) == 32'd0;
  wire [7:0]  lines_j   = g_lines_q - c_j;  // (> 0: im2c_ok)
  wire        tj_ok     = (kt32 >= sq_lr_q) ? (sq_lines_q <= lines_j) : (kt32 <= {24'd0, lines_j} * Rows);
  wire [31:0] slot_rows = {24'd0, c_slot} * Rows;
  wire [35:0] t_bend    = {4'd0, slot_rows} + {20'd0, c_kt16};
  wire        tb_ok     = $signed(t_bend) < bend_s;
  wire        tile_ok   = !c_tile || (kt_whole && (kt32 <= sq_pr_q) && !sq_none_q && tj_ok && tb_ok);
  // WS by rows (IM2COL without B_COLS; model: start_pass): the pass's Kt
  // lines from slot x Rows within the bank or the store (tb_ok); with SEQ
  // the last pass's too, (slot + passes - 1) x Rows + Kt <= end, compared
  // as slot x Rows + Kt < sq_rows_lim_q (a sequence of no passes is refused
  // by seq_ok).
  wire        rows_ok   = !c_rows || (tb_ok && (!c_seq || ($signed(t_bend) < sq_rows_lim_q)));
  wire        start_ok = (c_mt16 != 16'd0) && (c_kt16 != 16'd0) && (c_nt8 != 8'd0) &&
                         ({24'd0, c_nt8} <= Cols) && mt_ok && kt_ok && ext_ok && im2c_ok && bc_ok && hold_ok && seq_ok &&
                         tile_ok && rows_ok;
  assign im2col_o     = flag_im2col;
  assign b_cols_o     = flag_b_cols;
  assign j_o          = start_j;
  assign slot_o       = start_slot;
  assign g_in_w_o     = g_in_w_q;
  assign g_in_h_o     = g_in_h_q;
  assign g_out_w_o    = g_out_w_q;
  assign g_stride_w_o = g_sw_q;
  assign g_stride_h_o = g_sh_q;
  assign g_lines_o    = g_lines_q;
  assign g_pad_o      = g_pad_q;
  assign g_bstride_o  = g_bstride_q;
  // The sequence's next origin, registered: the sequence registers change at
  // a START or a pass start, and the next pass starts at least 3 edges later
  // (a pass lasts >= 3 cycles), so these hold the values the model computes
  // by then; likewise the pixel indices one edge behind them. The ORIGIN and
  // GEOM registers change at least 2 edges before the START that uses them
  // (commands execute at least 2 edges apart), so one registered stage is
  // current at that START.
  reg [15:0] nx_iy_q, nx_ix_q, nx_ixrow_q;
  reg signed [39:0] org_pix_q, org_rpix_q, nx_pix_q, nx_rpix_q;
  wire signed [39:0] in_w40 = $signed({24'd0, g_in_w_q});
  always @(posedge clk_i) begin
    nx_iy_q    <= sq_iy_n;
    nx_ix_q    <= sq_ix_n;
    nx_ixrow_q <= sq_ixrow_n;
    org_pix_q  <= $signed({{24{o_iy_q[15]}}, o_iy_q}) * in_w40 + $signed({{24{o_ix_q[15]}}, o_ix_q});
    org_rpix_q <= $signed({{24{o_iy_q[15]}}, o_iy_q}) * in_w40 + $signed({{24{o_ix_row_q[15]}}, o_ix_row_q});
    nx_pix_q   <= $signed({{24{nx_iy_q[15]}}, nx_iy_q}) * in_w40 + $signed({{24{nx_ix_q[15]}}, nx_ix_q});
    nx_rpix_q  <= $signed({{24{nx_iy_q[15]}}, nx_iy_q}) * in_w40 + $signed({{24{nx_ixrow_q[15]}}, nx_ixrow_q});
  end
  assign sq_cols_o    = sq_cols_q;
  assign sq_lines_o   = sq_lines_q;
  assign sq_dy_o      = sq_dy_q;
  assign sq_dx_o      = sq_dx_q;
  assign o_iy_o       = seq_go ? nx_iy_q : o_iy_q;
  assign o_ix_o       = seq_go ? nx_ix_q : o_ix_q;
  assign o_ix_row_o   = seq_go ? nx_ixrow_q : o_ix_row_q;
  assign o_ox_o       = seq_go ? sq_ox_q : o_ox_q;
  assign o_pix_o      = seq_go ? nx_pix_q : org_pix_q;
  assign o_rpix_o     = seq_go ? nx_rpix_q : org_rpix_q;
  // IM2COL_GEOM / _PIXEL / _ORIGIN operands and checks
  wire       geom_bad   = (in0[15:0] == 16'd0) || (in0[31:16] == 16'd0) || (in1[15:0] == 16'd0) ||
                          (in1[23:16] == 8'd0) || (in1[31:24] == 8'd0);
  wire       pixel_bad  = (in0[7:0] == 8'd0);
  wire       seqcfg_bad = (in0[7:0] == 8'd0) || (in0[15:8] == 8'd0) || (in0[23:16] == 8'd0);
  wire       origin_bad = (in1[31:16] >= g_out_w_q);
  reg        do_geom, do_pixel, do_origin, do_seqcfg, do_seq, do_psets;
  assign mt_o     = mt16[MtW-1:0];
  assign kt_o     = kt16[KtW-1:0];
  assign nt_o     = nt8[NtW-1:0];
  assign keep_b_o = flag_keep_b;

  // PARAM: the column is in0 (BIAS) or in1[7:0] (REQUANT); broadcasts ignore it.
  // REQUANT's shift (int8) must lie in -31 .. 30.
  wire [31:0] param_col  = (f7 == 7'd0) ? in0 : {24'd0, in1[7:0]};
  wire [7:0]  param_sh   = in1[15:8];
  wire        shift_ok   = param_sh[7] ? (param_sh >= 8'he1) : (param_sh <= 8'd30);
  wire        param_bad  = (f7 > 7'd3) || ((f7 < 7'd2) && (param_col >= Cols)) ||
                           ((f7 == 7'd1 || f7 == 7'd3) && !shift_ok);
  assign bias_o  = in1;
  assign mult_o  = in0;
  assign shift_o = in1[15:8];
  assign cfg_o   = in0[23:0];

  assign wr_data_o = {in1, in0};

  // EW_CONFIG: op (in0[17:16]) 0..2 and in0[31:18] zero. EW_MULT: which
  // (in1[7:0]) 0..2; the output's shift -31..30, the inputs' -31..0.
  wire       ewc_bad  = (in0[31:18] != 14'd0) || (in0[17:16] == 2'd3);
  wire       ewm_sh_ok = (in1[7:0] == 8'd2) ? shift_ok : (param_sh[7] ? (param_sh >= 8'he1) : (param_sh == 8'd0));
  wire       ewm_bad  = (in1[7:0] > 8'd2) || !ewm_sh_ok;

  // READ: rejected when the line is past the end or no START has selected
  // the bank since reset.
  wire [NtW-1:0] rd_nt  = c_cols_q[rd_bank_q];
  wire           rd_bad = rd_oob_q || (rd_nt == NtZero);
  wire           seek_oob = (in1 >= CLines);
  assign rd_lane_o = rd_lane_q;
  assign rd_nt_o   = rd_nt;
  assign host_bank_o = rd_bank_q;
  assign host_line_o = rd_line_q;

  // ---------------------------------------------------------------------------
  // The weight store (WLines > 0): W_SEEK's and W_BASE's checks, and the
  // registers START latches.
  // ---------------------------------------------------------------------------
  // W_SEEK: line < WLines, and line x pitch a multiple of 8 (pitch < 8: the
  // line's low bits below 8 / pitch zero).
  localparam integer BPitch    = (Cols <= 1) ? 1 : (Cols <= 2) ? 2 : (Cols <= 4) ? 4 : ((Cols + 7) / 8) * 8;
  localparam integer SeekMask0 = (BPitch < 8) ? 8 / BPitch - 1 : 0;
  localparam [31:0]  SeekMask  = SeekMask0;
  // (1 without a store, where the checks are not used: no constant compare.)
  localparam integer WLinesC   = (WLines > 0) ? WLines : 1;
  localparam [31:0]  WLinesU   = WLinesC;
  wire       wseek_bad = (in0 >= WLinesU) || ((in0 & SeekMask) != 32'd0);
  wire       wbase_bad = in1[0] && (in0 >= WLinesU);
  reg        do_wbase;
  assign w_seek_line_o = in0[WLineW-1:0];

  wire a_single_busy = arr_busy_i && (ADouble == 0);
  wire b_single_busy = arr_busy_i && (BDouble == 0);
  wire c_bank_busy   = arr_busy_i && (pass_bank_q == rd_bank_q);
  assign pf_block_o  = c_bank_busy;

  reg do_seek, do_next, do_raw, do_soft_reset, do_reject, do_keep;
  assign w_ptr_clear_o = do_soft_reset;
  integer c;

  always @* begin
    exec_o        = 1'b0;
    late_o        = 1'b0;
    rsp_o         = 32'd0;
    a_wr_o        = 1'b0;
    b_wr_o        = 1'b0;
    w_wr_o        = 1'b0;
    w_seek_o      = 1'b0;
    do_wbase      = 1'b0;
    do_afill      = 1'b0;
    start_o       = 1'b0;
    cfg_we_o      = 1'b0;
    bias_we_o     = {Cols{1'b0}};
    rq_we_o       = {Cols{1'b0}};
    rd_go_o       = 1'b0;
    rd_raw_o      = 1'b0;
    pf_pop_o      = 1'b0;
    do_seek       = 1'b0;
    do_next       = 1'b0;
    do_raw        = 1'b0;
    do_soft_reset = 1'b0;
    do_reject     = 1'b0;
    do_keep       = 1'b0;
    kw_o          = 1'b0;
    do_geom       = 1'b0;
    do_pixel      = 1'b0;
    do_origin     = 1'b0;
    do_seqcfg     = 1'b0;
    do_seq        = 1'b0;
    do_psets      = 1'b0;
    ew_cfg_we_o   = 1'b0;
    ew_mult_we_o  = 1'b0;
    ew_go_o       = 1'b0;
    ew_rd_o       = 1'b0;
    if (cmd_go_i) begin
      case (f3)
        F3Cfg: begin
          if (f7 == 7'd0) begin         // SET_OUTPUT
            exec_o   = 1'b1;
            cfg_we_o = 1'b1;
          end else if (f7 == 7'd1) begin  // ID
            exec_o = 1'b1;
            rsp_o  = IdWord;
          end else if (f7 == 7'd2) begin  // STATUS
            exec_o = 1'b1;
            rsp_o  = {28'd0, b_active_q, a_active_q, error_q, arr_busy_i};
          end else if (Eltwise != 0 && f7 == 7'd8) begin  // EW_CONFIG (no wait)
            if (ewc_bad) begin
              do_reject = 1'b1;
            end else begin
              exec_o      = 1'b1;
              ew_cfg_we_o = 1'b1;
            end
          end else if (Eltwise != 0 && f7 == 7'd9) begin  // EW_MULT (no wait)
            if (ewm_bad) begin
              do_reject = 1'b1;
            end else begin
              exec_o       = 1'b1;
              ew_mult_we_o = 1'b1;
            end
          end else if (Eltwise != 0 && f7 == 7'd10) begin  // EW_OP: the last stage's result
            exec_o  = 1'b1;
            ew_go_o = 1'b1;
            rsp_o   = ew_data_i;
          end else if (WLines > 0 && f7 == 7'd11) begin  // W_SEEK (no wait: WRITE_W waits)
            if (wseek_bad) begin
              do_reject = 1'b1;
            end else begin
              exec_o   = 1'b1;
              w_seek_o = 1'b1;
            end
          end else if (WLines > 0 && f7 == 7'd12) begin  // W_BASE (no wait: START latches it)
            if (wbase_bad) begin
              do_reject = 1'b1;
            end else begin
              exec_o   = 1'b1;
              do_wbase = 1'b1;
            end
          end else if (Ext != 0 && f7 == 7'd13) begin  // A_FILL (no wait: the next WRITE_A uses it)
            if (afill_bad) begin
              do_reject = 1'b1;
            end else begin
              exec_o   = 1'b1;
              do_afill = 1'b1;
            end
          end else if (Ext != 0 && f7 == 7'd7) begin  // PARAM_BANK (no wait)
            if (in0[1:0] == 2'b00) begin
              do_reject = 1'b1;
            end else begin
              exec_o   = 1'b1;
              do_psets = 1'b1;
            end
          end else if (Ext != 0 && f7 == 7'd5) begin  // IM2COL_ORIGIN (no wait: START latches it)
            if (origin_bad) begin
              do_reject = 1'b1;
            end else begin
              exec_o    = 1'b1;
              do_origin = 1'b1;
            end
          end else if (Ext != 0 && (f7 == 7'd3 || f7 == 7'd4 || f7 == 7'd6)) begin  // GEOM, PIXEL, SEQ: wait for an idle array
            if (!arr_busy_i) begin
              if ((f7 == 7'd3) ? geom_bad : (f7 == 7'd4) ? pixel_bad : seqcfg_bad) begin
                do_reject = 1'b1;
              end else begin
                exec_o    = 1'b1;
                do_geom   = (f7 == 7'd3);
                do_pixel  = (f7 == 7'd4);
                do_seqcfg = (f7 == 7'd6);
              end
            end
          end else begin
            do_reject = 1'b1;
          end
        end
        F3WriteA: begin
          if (f7 != 7'd0) begin
            do_reject = 1'b1;
          end else if (!a_single_busy) begin
            exec_o = 1'b1;
            a_wr_o = 1'b1;
          end
        end
        F3WriteB: begin
          if (WLines > 0 && f7 == 7'd1) begin  // WRITE_W: once no pass can read the store
            if (!arr_busy_i) begin
              exec_o = 1'b1;
              w_wr_o = 1'b1;
            end
          end else if (f7 != 7'd0) begin
            do_reject = 1'b1;
          end else if (!b_single_busy) begin
            exec_o = 1'b1;
            b_wr_o = 1'b1;
          end
        end
        F3Param: begin
          if (param_bad) begin
            do_reject = 1'b1;
          end else begin
            exec_o = 1'b1;
            for (c = 0; c < Cols; c = c + 1) begin
              if (f7 >= 7'd2 || param_col == c) begin
                bias_we_o[c] = (f7 == 7'd0) || (f7 == 7'd2);
                rq_we_o[c]   = (f7 == 7'd1) || (f7 == 7'd3);
              end
            end
          end
        end
        F3Start: begin
          if (f7 != 7'd0) begin
            do_reject = 1'b1;
          end else if ((!arr_busy_i || arr_finishing_i) && !sq_on_q) begin
            if (start_ok) begin
              exec_o  = 1'b1;
              start_o = 1'b1;
              do_seq  = flag_seq;
            end else begin
              do_reject = 1'b1;
            end
          end
        end
        F3Read: begin
          if (f7 == 7'd1) begin           // SEEK
            if (seek_oob) begin
              do_reject = 1'b1;
            end else begin
              exec_o  = 1'b1;
              do_seek = 1'b1;
            end
          end else if (Keep != 0 && f7 == 7'd4) begin  // KEEP (no wait)
            exec_o  = 1'b1;
            do_keep = 1'b1;
          end else if (f7 > 7'd3 || (f7 == 7'd3 && !EwRead)) begin
            do_reject = 1'b1;
          end else if (!c_bank_busy) begin
            if (rd_bad) begin
              do_reject = 1'b1;
            end else if (Prefetch != 0 && (f7 == 7'd0 || f7 == 7'd3)) begin  // NEXT, READ_EW: the prefetched word, once there
              if (pf_ready_i) begin
                exec_o   = 1'b1;
                rsp_o    = (f7 == 7'd3) ? ew_data_i : pf_data_i;
                do_next  = 1'b1;
                pf_pop_o = 1'b1;
                ew_go_o  = (f7 == 7'd3);
                ew_rd_o  = (f7 == 7'd3);
                kw_o     = (Keep != 0) && (f7 == 7'd0) && keep_on_q;
              end
            end else begin                // NEXT (f7 0) or RAW (f7 2)
              exec_o   = 1'b1;
              late_o   = 1'b1;
              rd_go_o  = 1'b1;
              rd_raw_o = (f7 == 7'd2);
              do_next  = (f7 == 7'd0);
              do_raw   = (f7 == 7'd2);
            end
          end
        end
        F3Wait: begin
          if (f7 != 7'd0) begin
            do_reject = 1'b1;
          end else if (!arr_busy_i) begin
            exec_o = 1'b1;
          end
        end
        default: begin                    // RESET (funct3 7)
          if (f7 != 7'd0) begin
            do_reject = 1'b1;
          end else begin
            exec_o        = 1'b1;
            do_soft_reset = 1'b1;
          end
        end
      endcase
      if (do_reject) begin
        exec_o = 1'b1;
        rsp_o  = ErrorResponse;
      end
    end
  end

  // A sequence's next pass starts like a START (never together with one: a
  // START waits for the sequence's end).
  wire pass_start = start_o || seq_go;
  assign pass_start_o = pass_start;

  always @* begin
    a_ptr_clear_o = do_soft_reset || (pass_start && !flag_keep_a);
    b_ptr_clear_o = do_soft_reset || (pass_start && !flag_keep_b && !flag_hold_b);
    abort_o       = do_soft_reset;
  end
  assign ew_flush_o = rst_i || do_soft_reset || ew_cfg_we_o || ew_mult_we_o;

  assign a_wbank_o    = (ADouble != 0) ? !a_active_q : 1'b0;
  assign b_wbank_o    = (BDouble != 0) ? !b_active_q : 1'b0;
  assign a_active_o   = a_active_q;
  assign b_active_o   = b_active_q;
  assign pass_bank_o  = pass_bank_q;
  assign pass_clear_o = pass_clear_q;

  // ---------------------------------------------------------------------------
  // Read pointer advance: by 4 lanes (NEXT) or 1 (RAW), wrapping to the next
  // line at the Nt of the bank.
  // ---------------------------------------------------------------------------
  wire [LaneW+2:0] lane_x   = {3'd0, rd_lane_q} + (do_next ? LaneFour : LaneOne);
  wire             lane_wrap = (lane_x >= {{(LaneW+3-NtW){1'b0}}, rd_nt});

  // ---------------------------------------------------------------------------
  // Registers
  // ---------------------------------------------------------------------------
  // The read pointer after this edge (the prefetch restarts there on a flush).
  always @* begin
    rd_line_n_o = rd_line_q;
    rd_lane_n_o = rd_lane_q;
    rd_oob_n_o  = rd_oob_q;
    if (rst_i || do_soft_reset) begin
      rd_line_n_o = {CLineW{1'b0}};
      rd_lane_n_o = {LaneW{1'b0}};
      rd_oob_n_o  = 1'b0;
    end else if (do_seek) begin
      rd_line_n_o = in1[CLineW-1:0];
      rd_lane_n_o = {LaneW{1'b0}};
      rd_oob_n_o  = 1'b0;
    end else if (do_next || do_raw) begin
      if (lane_wrap) begin
        rd_lane_n_o = {LaneW{1'b0}};
        rd_line_n_o = rd_line_q + LineOne;
        if (rd_line_q == LineLast) rd_oob_n_o = 1'b1;
      end else begin
        rd_lane_n_o = lane_x[LaneW-1:0];
      end
    end
  end

  // The prefetch's words are stale after anything that moves the read
  // pointer other than READ NEXT, changes a post-processing parameter, or
  // starts a pass on the bank being read (the model's pf_flush()). Decided on
  // the command's encoding and interlock only, not on its operand checks, so
  // that the flush stays off their logic: a rejected SEEK, RAW, BIAS/REQUANT
  // or START flushes too, as in the model.
  wire seq_bank      = (CDouble != 0) ? sq_in1_q[9] : 1'b0;
  wire start_bank    = (CDouble != 0) ? in1[9] : 1'b0;
  wire flush_cmd     = cmd_go_i && (
                         (f3 == F3Cfg && f7 == 7'd0) ||
                         (f3 == F3Param) ||
                         (f3 == F3Read && f7 == 7'd1) ||
                         (f3 == F3Read && f7 == 7'd2 && !c_bank_busy) ||
                         (f3 == F3Start && f7 == 7'd0 && (!arr_busy_i || arr_finishing_i) && !sq_on_q &&
                          start_bank == rd_bank_q));
  assign pf_flush_o = (Prefetch != 0) && (do_soft_reset || flush_cmd || (seq_go && seq_bank == rd_bank_q));

  always @(posedge clk_i) begin
    if (rst_i || do_soft_reset) begin
      error_q    <= 1'b0;
      a_active_q <= 1'b0;
      b_active_q <= 1'b0;
      rd_bank_q  <= 1'b0;
    end else begin
      if (do_reject) begin
        error_q <= 1'b1;
      end
      if (pass_start) begin
        if (ADouble != 0 && !flag_keep_a) a_active_q <= !a_active_q;
        if (BDouble != 0 && !flag_keep_b && !flag_hold_b) b_active_q <= !b_active_q;
      end
      if (do_seek) begin
        rd_bank_q <= (CDouble != 0) ? in0[0] : 1'b0;
      end
    end
  end
  always @(posedge clk_i) begin
    rd_line_q <= rd_line_n_o;
    rd_lane_q <= rd_lane_n_o;
    rd_oob_q  <= rd_oob_n_o;
  end

  // im2col registers: cleared by RESET (an IM2COL pass then needs GEOM and
  // PIXEL again), as in the model.
  always @(posedge clk_i) begin
    if (rst_i || do_soft_reset) begin
      g_in_w_q   <= 16'd0;
      g_in_h_q   <= 16'd0;
      g_out_w_q  <= 16'd0;
      g_sw_q     <= 8'd0;
      g_sh_q     <= 8'd0;
      g_lines_q  <= 8'd0;
      g_pad_q    <= 8'd0;
      g_bstride_q <= 16'd0;
      param_sets_q <= 2'b11;
      a_fill_q   <= 8'd0;
      o_iy_q     <= 16'd0;
      o_ix_q     <= 16'd0;
      o_ix_row_q <= 16'd0;
      o_ox_q     <= 16'd0;
      sq_rows_q  <= 8'd0;
      sq_cols_q  <= 8'd0;
      sq_rc_q    <= 16'd0;
      sq_lines_q <= 8'd0;
      sq_dy_q    <= 16'd0;
      sq_dx_q    <= 16'd0;
      sq_left_q  <= 9'd0;
      sq_on_q    <= 1'b0;
      sq_row_q   <= 8'd0;
      sq_col_q   <= 8'd0;
      sq_line_q  <= 8'd0;
      sq_p_q     <= 8'd0;
      sq_in0_q   <= 32'd0;
      sq_in1_q   <= 32'd0;
      sq_iy_q    <= 16'd0;
      sq_ix_q    <= 16'd0;
      sq_ixrow_q <= 16'd0;
      sq_ox_q    <= 16'd0;
    end else begin
      if (do_seqcfg) begin
        sq_rows_q  <= in0[7:0];
        sq_cols_q  <= in0[15:8];
        sq_rc_q    <= {8'd0, in0[7:0]} * {8'd0, in0[15:8]};
        sq_lines_q <= in0[23:16];
        sq_dy_q    <= in1[15:0];
        sq_dx_q    <= in1[31:16];
      end
      if (do_seq) begin
        sq_left_q  <= sq_pm1_q[8:0];
        sq_on_q    <= (sq_pm1_q[8:0] != 9'd0);
        sq_row_q   <= 8'd0;
        sq_col_q   <= 8'd0;
        sq_line_q  <= 8'd0;
        sq_p_q     <= 8'd0;
        sq_in0_q   <= in0;
        sq_in1_q   <= in1;
        sq_iy_q    <= o_iy_q;
        sq_ix_q    <= o_ix_q;
        sq_ixrow_q <= o_ix_row_q;
        sq_ox_q    <= o_ox_q;
      end else if (seq_go) begin
        sq_left_q  <= sq_left_q - 9'd1;
        sq_on_q    <= (sq_left_q != 9'd1);
        sq_row_q   <= sq_row_n;
        sq_col_q   <= sq_col_n;
        sq_line_q  <= sq_line_n;
        sq_p_q     <= sq_p_n;
      end
      if (do_geom) begin
        g_in_w_q  <= in0[15:0];
        g_in_h_q  <= in0[31:16];
        g_out_w_q <= in1[15:0];
        g_sw_q    <= in1[23:16];
        g_sh_q    <= in1[31:24];
      end
      if (do_pixel) begin
        g_lines_q <= in0[7:0];
        g_pad_q   <= in0[15:8];
        g_bstride_q <= in1[15:0];
      end
      if (do_psets) begin
        param_sets_q <= in0[1:0];
      end
      if (do_afill) begin
        a_fill_q <= in0[7:0];
      end
      if (do_origin) begin
        o_iy_q     <= in0[15:0];
        o_ix_q     <= in0[31:16];
        o_ix_row_q <= in1[15:0];
        o_ox_q     <= in1[31:16];
      end
    end
  end

  always @(posedge clk_i) begin
    if (rst_i || do_soft_reset) begin
      c_cols_q[0]  <= NtZero;
      c_cols_q[1]  <= NtZero;
      pass_bank_q  <= 1'b0;
      pass_clear_q <= 1'b0;
    end else if (pass_start) begin
      c_cols_q[(CDouble != 0) ? flag_cbank : 1'b0] <= nt8[NtW-1:0];
      pass_bank_q  <= (CDouble != 0) ? flag_cbank : 1'b0;
      pass_clear_q <= flag_clear;
    end
  end

  // ---------------------------------------------------------------------------
  // The output keep's registers (Keep = 1): the pointer and stride (bits
  // 1:0 always 0) and the stride's "not 0", kept in a register for the
  // READ NEXT's write enable. KEEP sets them, a keeping READ NEXT that
  // moves to the next line steps the pointer, RESET clears them.
  // ---------------------------------------------------------------------------
  wire [31:0] rd_lane32 = {{(32-LaneW){1'b0}}, rd_lane_q};
  assign kw_byte_o = {keep_ptr_q, 2'b00} + {rd_lane32[31:2], 2'b00};
  wire        unused_rd_lane32 = ^rd_lane32[1:0];
  always @(posedge clk_i) begin
    if (rst_i || do_soft_reset || Keep == 0) begin
      keep_ptr_q    <= 30'd0;
      keep_stride_q <= 30'd0;
      keep_on_q     <= 1'b0;
    end else if (do_keep) begin
      keep_ptr_q    <= in0[31:2];
      keep_stride_q <= in1[31:2];
      keep_on_q     <= (in1[31:2] != 30'd0);
    end else if (kw_o && lane_wrap) begin
      keep_ptr_q    <= keep_ptr_q + keep_stride_q;
    end
  end

  // ---------------------------------------------------------------------------
  // The weight store's registers. W_BASE sets the on flag, the base (0 while
  // off) and the bound end of a B_COLS pass plus one (WLines - base + 1,
  // or BLines + 1), the last from the command's operands so that the bound
  // tables follow one edge later. A SEQ keeps its START's copies for its later passes (W_BASE
  // does not wait). RESET: off, base 0.
  // ---------------------------------------------------------------------------
  reg              w_on_q, sq_won_q, w_sel_q;
  reg [WLineW-1:0] w_base_q, sq_wbase_q;
  reg [31:0]       wbs_q, sq_wbs_q;  // base + B stride
  wire [31:0]      w_base32 = {{(32-WLineW){1'b0}}, w_base_q};
  wire [31:0]      w_end32  = WLinesU + 32'd1 - in0;  // W_BASE on: end + 1 = 2 .. WLines + 1 (in0 < WLines)
  always @(posedge clk_i) begin
    if (rst_i || do_soft_reset) begin
      w_on_q     <= 1'b0;
      w_base_q   <= {WLineW{1'b0}};
      bend_q     <= blines1_s;
      sq_won_q   <= 1'b0;
      sq_wbase_q <= {WLineW{1'b0}};
      sq_wbs_q   <= 32'd0;
      w_sel_q    <= 1'b0;
    end else begin
      if (do_wbase) begin
        w_on_q   <= in1[0];
        w_base_q <= in1[0] ? in0[WLineW-1:0] : {WLineW{1'b0}};
        bend_q   <= in1[0] ? $signed({4'd0, w_end32}) : blines1_s;
      end
      if (do_seq) begin
        sq_won_q   <= w_on_q;
        sq_wbase_q <= w_base_q;
        sq_wbs_q   <= wbs_q;
      end
      if (pass_start) begin
        w_sel_q <= (seq_go ? sq_won_q : w_on_q) && (flag_b_cols || flag_im2col);
      end
    end
  end
  // Follows the base and the PIXEL register one edge behind (both written
  // at least 2 edges before the START that uses it).
  always @(posedge clk_i) wbs_q <= w_base32 + {16'd0, g_bstride_q};
  assign w_sel_o         = (WLines > 0) && w_sel_q;
  assign b_base_o        = (WLines == 0) ? 32'd0 : seq_go ? {{(32-WLineW){1'b0}}, sq_wbase_q} : w_base32;
  assign b_base_stride_o = (WLines == 0) ? {16'd0, g_bstride_q} : seq_go ? sq_wbs_q : wbs_q;

endmodule
