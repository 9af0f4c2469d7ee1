#include "model/core.h"

#include <algorithm>

#include "sasim/quant.h"

namespace sasim {

using namespace sasim_isa;

void Buffers::write_c_line(int bank, int line, const int32_t* v, int n, bool clear, CoreCounters* cnt) {
  int32_t* dst = &c[bank][static_cast<size_t>(line) * cols];
  for (int i = 0; i < n; ++i)
    dst[i] = clear ? v[i] : static_cast<int32_t>(static_cast<uint32_t>(dst[i]) + static_cast<uint32_t>(v[i]));
  cnt->sram_writes += static_cast<uint64_t>(n);
  if (!clear) cnt->sram_reads += static_cast<uint64_t>(n);
}

int8_t Buffers::weight_at(const Pass& p, int line, int lane) const {
  return p.geom.w_on ? w_at(p.geom.w_base + line, lane) : b_at(line, lane);
}

int8_t Buffers::row_weight(const Pass& p, int rows, int k, int lane) const {
  return p.im2col ? weight_at(p, p.b_slot * rows + k, lane) : b_at(k, lane);
}

std::vector<int> im2col_lines(const Im2colRegs& g, int j, int mt, int a_lines) {
  std::vector<int> lines(static_cast<size_t>(mt));
  Im2colRegs w = g;  // the walker: its pixel (iy, ix, ox)
  for (int m = 0; m < mt; ++m) {
    const bool inside = w.iy >= 0 && w.iy < g.in_h && w.ix >= 0 && w.ix < g.in_w;
    const int64_t line = (static_cast<int64_t>(w.iy) * g.in_w + w.ix) * g.lines + j;
    lines[static_cast<size_t>(m)] = inside && line < a_lines ? static_cast<int>(line) : -1;
    im2col_advance(&w, 1);
  }
  return lines;
}

void im2col_advance(Im2colRegs* g, int n) {
  for (int m = 0; m < n; ++m) {
    if (++g->ox == g->out_w) {
      g->ox = 0;
      g->ix = g->ix_row;
      g->iy += g->stride_h;
    } else {
      g->ix += g->stride_w;
    }
  }
}

Im2colRegs im2col_seq_origin(const Im2colRegs& g, int p, int j, int* line) {
  const int l = p % g.seq_lines, c = p / g.seq_lines % g.seq_cols, r = p / (g.seq_lines * g.seq_cols);
  Im2colRegs o = g;
  o.iy += r * g.seq_dy;
  o.ix += c * g.seq_dx;
  o.ix_row += c * g.seq_dx;
  *line = j + l;
  return o;
}

// ------------------------------------------------------------------ arrays --

namespace {

// Weight-stationary. PE(r,c) holds w[r][c] = B[k0+r][n0+c]; activation
// A[m][r] enters row r at pass cycle L+m+r and moves one column right per
// cycle; partial sums move one row down per cycle; row Kt-1's registered sum
// for row m leaves column c at cycle L+Kt+m+c; line m of C is written when its
// last column arrives, at cycle L+Kt+m+Nt-1. L = Kt cycles of weight load
// (one B line per cycle into one PE row), or 0 with keep_b.
class WsArray : public ArrayModel {
 public:
  WsArray(int rows, int cols)
      : R_(rows), C_(cols), w_(rows * cols), a_(rows * cols), p_(rows * cols), deskew_((cols + 1) * cols) {}

  void begin(const Pass& p, const Buffers& buf) override {
    pass_ = p;
    busy_ = true;
    u_ = 0;
    load_ = p.keep_b ? 0 : p.lead;  // weight-load cycles
    lines_.clear();
    if (p.im2col) lines_ = im2col_lines(p.geom, p.j, p.mt, static_cast<int>(buf.a[0].size() / buf.a_pitch));
    std::fill(a_.begin(), a_.end(), 0);
    std::fill(p_.begin(), p_.end(), 0);
  }

  int active_pes() const override { return active_; }

  bool step(Buffers* buf, CoreCounters* cnt) override {
    const int kt = pass_.kt, nt = pass_.nt, mt = pass_.mt;
    const int u = static_cast<int>(u_);
    active_ = 0;
    if (u < load_) {  // weight load: B line u into PE row u, or (B_COLS) into PE column u
      if (pass_.b_cols) {
        // B stride 0: the diagonal (depthwise): column u takes lane u only.
        // From the weight store when the pass started with it on (W_BASE).
        const int line = pass_.b_slot + u * pass_.geom.b_stride;
        const bool diag = pass_.geom.b_stride == 0;
        for (int r = 0; r < kt; ++r) w_[r * C_ + u] = diag && r != u ? int8_t{0} : buf->weight_at(pass_, line, r);
      } else {  // by rows: from the slot with IM2COL (docs/command-set.md), else B line u
        for (int c = 0; c < nt; ++c) w_[u * C_ + c] = buf->row_weight(pass_, R_, u, c);
      }
      cnt->sram_reads += static_cast<uint64_t>((buf->b_pitch + 3) / 4);
    }
    const int s = pass_.lead;
    // Capture row Kt-1's registered sums (before this cycle's update).
    for (int c = 0; c < nt; ++c) {
      const int m = u - s - kt - c;
      if (m < 0 || m >= mt) continue;
      deskew_[(m % (C_ + 1)) * C_ + c] = p_[(kt - 1) * C_ + c];
      if (c == nt - 1) buf->write_c_line(pass_.c_bank, m, &deskew_[(m % (C_ + 1)) * C_], nt, pass_.clear, cnt);
    }
    // Systolic update, in place: rows and columns in descending order so that
    // every PE reads its neighbours' values from the previous cycle. Only the
    // band of PEs working on a row of A in flight (m = u - s - r - c in
    // [0, Mt)) is evaluated: a valid PE only ever consumes values that valid
    // PEs produced in the previous cycle, so the registers outside the band
    // are never observed.
    if (u >= s) {
      const int m_row0 = u - s;
      if (m_row0 < mt) cnt->sram_reads += static_cast<uint64_t>((buf->a_pitch + 3) / 4);
      for (int r = kt - 1; r >= 0; --r) {
        const int m_in = u - s - r;  // row of A entering PE(r, 0) this cycle
        const int c_lo = std::max(0, m_in - mt + 1), c_hi = std::min(nt - 1, m_in);
        if (c_lo > c_hi) continue;
        int32_t* prow = &p_[r * C_];
        const int32_t* pabove = r ? &p_[(r - 1) * C_] : nullptr;
        int8_t* arow = &a_[r * C_];
        const int8_t* wrow = &w_[r * C_];
        for (int c = c_hi; c >= c_lo; --c) {
          const int8_t a_in = c ? arow[c - 1] : a_value(*buf, m_in, r);
          const int32_t p_in = pabove ? pabove[c] : 0;
          arow[c] = a_in;
          prow[c] = static_cast<int32_t>(static_cast<uint32_t>(p_in) +
                                         static_cast<uint32_t>(static_cast<int32_t>(wrow[c]) * a_in));
        }
        active_ += c_hi - c_lo + 1;
      }
    }
    const bool compute = u >= s && u < s + mt;
    if (++u_ == pass_.cycles) busy_ = false;
    return compute;
  }

 private:
  // Lane r of the pass's A line m: the A bank's line m, or with IM2COL the
  // generated line (the pad value where the tap is padding).
  int8_t a_value(const Buffers& buf, int m, int r) const {
    if (!pass_.im2col) return buf.a_at(m, r);
    const int line = lines_[static_cast<size_t>(m)];
    return line < 0 ? pass_.geom.pad : buf.a_at(line, r);
  }

  int R_, C_;
  int load_ = 0;
  int active_ = 0;
  std::vector<int> lines_;  // IM2COL: the A line of each pixel (-1: pad)
  std::vector<int8_t> w_, a_;
  std::vector<int32_t> p_;
  std::vector<int32_t> deskew_;  // (C+1) lines in flight x C lanes
};

// Output-stationary. PE(r,c) accumulates C[m0+r][n0+c]; A[r][k] (A line k,
// lane r) enters row r at cycle k+r and moves right; B[k][c] (B line k, lane
// c) enters column c at cycle k+c and moves down; PE(r,c) does step k at cycle
// k+r+c. Accumulators are cleared at START; line r of C is written from the
// registered accumulators at cycle Kt+Nt+r-1.
//
// With IM2COL the pass is a tile of Mt pixels in sub-passes of up to `rows`
// pixels (s = 0, 1, ...), back to back, each as above after one lead cycle
// (u counted from the sub-pass's first cycle, shifted by 1), writing C lines
// s x rows + r. Step k = q x rows + i of a sub-pass is chunk q (IM2COL_SEQ
// position q) and lane i: row r takes lane i of the A line of its pixel
// (s x rows + r) under chunk q's tap, line j + chunk q's line (the pad value
// outside the band); B line slot x rows + k (of the weight store at W_BASE
// when the pass started with it on).
class OsArray : public ArrayModel {
 public:
  OsArray(int rows, int cols) : R_(rows), C_(cols), a_(rows * cols), b_(rows * cols), acc_(rows * cols) {}

  void begin(const Pass& p, const Buffers& buf) override {
    pass_ = p;
    busy_ = true;
    u_ = 0;
    sub_ = 0;
    a_lines_ = static_cast<int>(buf.a[0].size() / buf.a_pitch);
    sub_origin_ = p.geom;
    begin_sub();
  }

  int active_pes() const override { return active_; }

  bool step(Buffers* buf, CoreCounters* cnt) override {
    const int kt = pass_.kt, nt = pass_.nt, mt = mt_s_;
    const int u = static_cast<int>(u_ - sub_u0_) - lead_;  // the sub-pass's cycle, lead excluded
    active_ = 0;
    const int drain = u - kt - nt + 1;
    if (drain >= 0 && drain < mt)
      buf->write_c_line(pass_.c_bank, line0_ + drain, &acc_[drain * C_], nt, pass_.clear, cnt);
    if (u >= 0 && u < kt) cnt->sram_reads += static_cast<uint64_t>((buf->a_pitch + 3) / 4 + (buf->b_pitch + 3) / 4);
    // Only the band of PEs doing a step k = u - r - c in [0, Kt) is
    // evaluated (see WsArray for why the rest is never observed).
    for (int r = mt - 1; r >= 0 && u >= 0; --r) {
      const int k_row = u - r;  // step entering PE(r, 0) this cycle
      const int c_lo = std::max(0, k_row - kt + 1), c_hi = std::min(nt - 1, k_row);
      if (c_lo > c_hi) continue;
      int8_t* arow = &a_[r * C_];
      int8_t* brow = &b_[r * C_];
      const int8_t* babove = r ? &b_[(r - 1) * C_] : nullptr;
      int32_t* accrow = &acc_[r * C_];
      for (int c = c_hi; c >= c_lo; --c) {
        const int8_t a_in = c ? arow[c - 1] : a_value(*buf, k_row, r);
        const int8_t b_in = babove ? babove[c] : b_value(*buf, u - c, c);
        arow[c] = a_in;
        brow[c] = b_in;
        accrow[c] = static_cast<int32_t>(static_cast<uint32_t>(accrow[c]) +
                                         static_cast<uint32_t>(static_cast<int32_t>(a_in) * b_in));
      }
      active_ += c_hi - c_lo + 1;
    }
    const bool compute = u >= 0 && u < kt;
    ++u_;
    if (u_ == sub_u0_ + static_cast<uint32_t>(lead_ + kt + mt + nt - 1)) {  // the sub-pass's last cycle done
      if (line0_ + mt >= pass_.mt) {
        busy_ = false;
      } else {
        ++sub_;
        im2col_advance(&sub_origin_, R_);
        begin_sub();
      }
    }
    return compute;
  }

 private:
  // The next sub-pass (the whole pass without IM2COL): its pixels, first
  // cycle, and the A line of each of its rows under each chunk.
  void begin_sub() {
    sub_u0_ = u_;
    line0_ = sub_ * R_;
    mt_s_ = pass_.im2col ? std::min(R_, pass_.mt - line0_) : pass_.mt;
    lead_ = pass_.im2col ? 1 : 0;
    std::fill(a_.begin(), a_.end(), 0);
    std::fill(b_.begin(), b_.end(), 0);
    std::fill(acc_.begin(), acc_.end(), 0);
    lines_.clear();
    if (!pass_.im2col) return;
    for (int q = 0; q < pass_.kt / R_; ++q) {
      int j = 0;
      const Im2colRegs o = im2col_seq_origin(sub_origin_, q, pass_.j, &j);
      const std::vector<int> l = im2col_lines(o, j, mt_s_, a_lines_);
      lines_.insert(lines_.end(), l.begin(), l.end());
    }
  }
  int8_t a_value(const Buffers& buf, int k, int r) const {
    if (!pass_.im2col) return buf.a_at(k, r);
    const int line = lines_[static_cast<size_t>(k / R_ * mt_s_ + r)];
    return line < 0 ? pass_.geom.pad : buf.a_at(line, k % R_);
  }
  int8_t b_value(const Buffers& buf, int k, int c) const { return buf.row_weight(pass_, R_, k, c); }

  int R_, C_;
  int active_ = 0;
  int sub_ = 0, mt_s_ = 0, line0_ = 0, lead_ = 0, a_lines_ = 0;
  uint32_t sub_u0_ = 0;
  Im2colRegs sub_origin_;   // IM2COL: the sub-pass's first pixel at the first chunk's tap
  std::vector<int> lines_;  // IM2COL: [chunk x mt_s + row] the A line (-1: pad)
  std::vector<int8_t> a_, b_;
  std::vector<int32_t> acc_;
};

}  // namespace

std::unique_ptr<ArrayModel> make_array(const CoreParams& p) {
  switch (p.dataflow) {
    case Dataflow::kWeightStationary: return std::unique_ptr<ArrayModel>(new WsArray(p.rows, p.cols));
    case Dataflow::kOutputStationary: return std::unique_ptr<ArrayModel>(new OsArray(p.rows, p.cols));
  }
  return nullptr;
}

// -------------------------------------------------------------------- core --

int8_t ew_lane(const EwRegs& r, int8_t a, int8_t b) {
  const int32_t x = a - r.a_zp, y = b - r.b_zp;
  int32_t v;
  if (r.op == kEwMul) {
    v = x * y;
  } else {
    const int32_t sx = multiply_by_quantized_multiplier(x * (1 << kEwLeftShift), r.mult[kEwMultA], r.shift[kEwMultA]);
    const int32_t sy = multiply_by_quantized_multiplier(y * (1 << kEwLeftShift), r.mult[kEwMultB], r.shift[kEwMultB]);
    v = r.op == kEwSub ? sx - sy : sx + sy;
  }
  // + zero point wraps in 32 bits, as the RTL adds it (quant.h's contract).
  int32_t q = static_cast<int32_t>(
      static_cast<uint32_t>(multiply_by_quantized_multiplier(v, r.mult[kEwMultOut], r.shift[kEwMultOut])) +
      static_cast<uint32_t>(r.out_zp));
  q = q < r.act_min ? r.act_min : q;
  q = q > r.act_max ? r.act_max : q;
  return static_cast<int8_t>(q);
}

void CfuCore::ew_flush() { ew_pipe_.assign(kEwLag, 0u); }

bool CfuCore::ew_execute(uint32_t f7, uint32_t in0, uint32_t in1) {
  if (f7 == kCfgEwConfig) {
    const int op = static_cast<int>((in0 >> 16) & 3);
    if (op > kEwMul || (in0 >> 18) != 0) return false;
    ew_.op = op;
    ew_.a_zp = static_cast<int8_t>(in0 & 0xff);
    ew_.b_zp = static_cast<int8_t>((in0 >> 8) & 0xff);
    ew_.out_zp = static_cast<int8_t>(in1 & 0xff);
    ew_.act_min = static_cast<int8_t>((in1 >> 8) & 0xff);
    ew_.act_max = static_cast<int8_t>((in1 >> 16) & 0xff);
    ew_flush();
  } else if (f7 == kCfgEwMult) {
    const int which = static_cast<int>(in1 & 0xff);
    const int shift = static_cast<int8_t>((in1 >> 8) & 0xff);
    // Inputs: the left shift of 20 is built in, theirs only divides.
    const int max_shift = which == kEwMultOut ? kMaxShift : 0;
    if (which > kEwMultOut || shift < kMinShift || shift > max_shift) return false;
    ew_.mult[which] = static_cast<int32_t>(in0);
    ew_.shift[which] = shift;
    ew_flush();
  } else {  // EW_OP
    uint32_t r = 0;
    for (int k = 0; k < kEwLanes; ++k)
      r |= static_cast<uint32_t>(static_cast<uint8_t>(ew_lane(ew_, static_cast<int8_t>((in0 >> (8 * k)) & 0xff),
                                                              static_cast<int8_t>((in1 >> (8 * k)) & 0xff))))
           << (8 * k);
    ew_pipe_.push_back(r);
    respond(ew_pipe_.front(), 1);
    ew_pipe_.pop_front();
    return true;
  }
  respond(0, 1);
  return true;
}

CfuCore::CfuCore(const CoreParams& p) : p_(p) {
  buf_.a_pitch = line_pitch(p.rows);
  buf_.b_pitch = line_pitch(p.cols);
  buf_.cols = p.cols;
  for (int i = 0; i < 2; ++i) {
    buf_.a[i].assign(static_cast<size_t>(p.a_lines) * buf_.a_pitch, 0);
    buf_.b[i].assign(static_cast<size_t>(p.b_lines) * buf_.b_pitch, 0);
    buf_.c[i].assign(static_cast<size_t>(p.c_lines) * p.cols, 0);
  }
  buf_.w.assign(static_cast<size_t>(p.w_lines) * buf_.b_pitch, 0);
  keep_ = sasim::has_keep(p);
  array_ = make_array(p);
  bias_.assign(2 * static_cast<size_t>(p.cols), 0);
  mult_.assign(2 * static_cast<size_t>(p.cols), 0);
  shift_.assign(2 * static_cast<size_t>(p.cols), 0);
  reset();
}

void CfuCore::reset() {
  held_ = executed_ = false;
  rsp_countdown_ = 0;
  error_ = false;
  a_wp_ = b_wp_ = w_wp_ = 0;
  a_fill_ = 0;
  keep_ptr_ = keep_stride_ = 0;
  buf_.a_active = buf_.b_active = 0;
  rd_bank_ = rd_line_ = rd_lane_ = 0;
  c_cols_[0] = c_cols_[1] = 0;
  pf_.clear();
  pf_line_ = pf_lane_ = 0;
  ew_flush();
  im2col_ = Im2colRegs{};  // an IM2COL pass after a reset needs GEOM and PIXEL again
  seq_ = Seq();             // and a SEQ stops
  out_ = BusOut{};
  array_ = make_array(p_);  // idle, weights cleared: keep_b after a reset reuses nothing
  // Buffer contents and post-processing parameters are not reset (RAM and
  // plain registers in the RTL); the host rewrites them before use.
}

void CfuCore::respond(uint32_t v, int latency) {
  executed_ = true;
  rsp_data_ = v;
  rsp_countdown_ = latency - 1;  // cycles still to wait after the next edge
  if (rsp_countdown_ == 0) {
    out_.rsp_valid = true;
    out_.rsp_payload = v;
  }
}

void CfuCore::write_bytes(int buffer, uint32_t in0, uint32_t in1) {
  std::vector<int8_t>& bank = buffer == 0 ? buf_.a[a_write_bank()] : buffer == 1 ? buf_.b[b_write_bank()] : buf_.w;
  uint32_t& wp = buffer == 0 ? a_wp_ : buffer == 1 ? b_wp_ : w_wp_;
  for (int i = 0; i < kBytesPerWrite; ++i) {
    const uint32_t byte = ((i < 4 ? in0 : in1) >> (8 * (i & 3))) & 0xffu;
    if (wp + i < bank.size()) bank[wp + i] = static_cast<int8_t>(byte);
  }
  wp += kBytesPerWrite;
  // A_FILL: a line of more than 8 bytes takes a_fill_ of its 8-byte parts,
  // the next WRITE goes to the next line.
  const uint32_t pitch = static_cast<uint32_t>(buf_.a_pitch), fill = static_cast<uint32_t>(a_fill_) * kBytesPerWrite;
  if (buffer == 0 && fill > 0 && fill < pitch && wp % pitch == fill) wp += pitch - fill;
  cnt_.sram_writes += 2;
}

void CfuCore::keep_write(uint32_t word, int lane) {
  std::vector<int8_t>& bank = buf_.a[a_write_bank()];
  const uint32_t at = keep_ptr_ + (static_cast<uint32_t>(lane) & ~3u);
  for (uint32_t i = 0; i < 4; ++i)
    if (at + i < bank.size()) bank[at + i] = static_cast<int8_t>((word >> (8 * i)) & 0xffu);
  ++cnt_.sram_writes;
}

bool CfuCore::start_pass(uint32_t in0, uint32_t in1) {
  Pass ps;
  ps.mt = static_cast<int>(in0 & 0xffff);
  ps.kt = static_cast<int>(in0 >> 16);
  ps.nt = static_cast<int>(in1 & 0xff);
  const uint32_t flags = (in1 >> 8) & 0xff;
  ps.clear = flags & kFlagClear;
  ps.c_bank = p_.c_double ? ((flags & kFlagCBank) ? 1 : 0) : 0;
  ps.keep_a = flags & kFlagKeepA;
  ps.keep_b = flags & kFlagKeepB;
  ps.im2col = flags & kFlagIm2col;
  ps.b_cols = flags & kFlagBCols;
  ps.hold_b = flags & kFlagHoldB;
  ps.j = static_cast<int>((in1 >> kStartJShift) & 0xff);
  const bool ws = p_.dataflow == Dataflow::kWeightStationary;
  ps.b_slot = ps.b_cols || ps.im2col ? static_cast<int>(in1 >> kStartSlotShift) : 0;
  bool ok = ps.mt >= 1 && ps.kt >= 1 && ps.nt >= 1 && ps.nt <= p_.cols && ps.mt <= p_.c_lines;
  // The extension's flags need the extension; B_COLS loads Kt lanes of a B
  // line, which holds `cols` lanes.
  if ((ps.im2col || ps.b_cols || ps.hold_b) && !p_.im2col) ok = false;
  if (ps.im2col) ok = ok && im2col_.in_w > 0 && im2col_.lines > 0 && ps.j < im2col_.lines;
  const bool seq = flags & kFlagSeq;
  const int seq_passes = im2col_.seq_rows * im2col_.seq_cols * im2col_.seq_lines;
  if (!ws && ps.im2col) {
    // OS tile: Kt = the first Kt / rows IM2COL_SEQ chunks of `rows` steps,
    // each within the pixel's lines and the B lines (or the store's from
    // W_BASE); no B_COLS, HOLD_B or SEQ (B_COLS and HOLD_B rejected below).
    const int b_end = im2col_.w_on ? p_.w_lines - im2col_.w_base : p_.b_lines;
    const int chunks = ps.kt / p_.rows;
    ok = ok && !seq && !ps.b_cols && !ps.hold_b && ps.kt % p_.rows == 0 && seq_passes >= 1 && chunks <= seq_passes &&
         ps.j + std::min(chunks, im2col_.seq_lines) - 1 < im2col_.lines &&
         static_cast<int64_t>(ps.b_slot) * p_.rows + ps.kt <= b_end;
    if (!ok) return false;
    ps.geom = im2col_;
    launch(&ps);
    return true;
  }
  if ((ps.b_cols || ps.hold_b || seq) && !ws) ok = false;
  // HOLD_B: a pass that addresses B by slot (B_COLS, or by rows with IM2COL).
  if (ps.hold_b) ok = ok && (ps.b_cols || ps.im2col) && !ps.keep_b;
  // A pass that loads from the weight store (B_COLS or IM2COL while W_BASE
  // is on) may read up to W lines - base.
  const bool from_w = (ps.b_cols || ps.im2col) && im2col_.w_on;
  const int b_end = from_w ? p_.w_lines - im2col_.w_base : p_.b_lines;
  if (ps.b_cols) ok = ok && p_.rows <= p_.cols && ps.b_slot + (ps.nt - 1) * im2col_.b_stride < b_end;
  else if (ps.im2col) ok = ok && static_cast<int64_t>(ps.b_slot) * p_.rows + ps.kt <= b_end;  // by rows
  else if (ws) ok = ok && ps.kt <= p_.b_lines;
  // SEQ: the whole sequence must be valid: its last j and its last slot
  // (B_COLS: its columns' last line; by rows: its Kt lines).
  if (seq) {
    ok = ok && p_.im2col && ps.im2col && !ps.keep_b && seq_passes >= 1 && ps.b_slot + seq_passes - 1 <= 255 &&
         ps.j + im2col_.seq_lines - 1 < im2col_.lines &&
         (ps.b_cols ? ps.b_slot + seq_passes - 1 + (ps.nt - 1) * im2col_.b_stride < b_end
                    : static_cast<int64_t>(ps.b_slot + seq_passes - 1) * p_.rows + ps.kt <= b_end);
  }
  if (ws) ok = ok && ps.kt <= p_.rows && (ps.im2col || ps.mt <= p_.a_lines);
  else ok = ok && ps.mt <= p_.rows && ps.kt <= p_.a_lines && ps.kt <= p_.b_lines;
  if (!ok) return false;
  ps.geom = im2col_;
  if (seq) {
    seq_ = Seq();
    seq_.left = seq_passes - 1;
    seq_.in0 = in0;
    seq_.in1 = in1;
    seq_.base = im2col_;
  }
  launch(&ps);
  return true;
}

void CfuCore::launch(Pass* pp) {
  Pass& ps = *pp;
  const bool ws = p_.dataflow == Dataflow::kWeightStationary;
  ps.lead = ws ? ws_lead_cycles(ps.kt, ps.nt, ps.keep_b, ps.im2col, ps.b_cols) : ps.im2col ? 1 : 0;
  ps.cycles = ws          ? pass_cycles_ws(ps.mt, ps.kt, ps.nt, ps.lead)
              : ps.im2col ? pass_cycles_os_im2col(ps.mt, ps.kt, ps.nt, p_.rows)
                          : pass_cycles_os(ps.mt, ps.kt, ps.nt);
  // The bank the host just filled becomes active; the other is free for the
  // next pass's data. With keep_*, hold_b, or a single-buffered buffer,
  // nothing swaps.
  if (p_.a_double && !ps.keep_a) buf_.a_active ^= 1;
  if (p_.b_double && !ps.keep_b && !ps.hold_b) buf_.b_active ^= 1;
  if (!ps.keep_a) a_wp_ = 0;
  if (!ps.keep_b && !ps.hold_b) b_wp_ = 0;
  c_cols_[ps.c_bank] = ps.nt;
  array_->begin(ps, buf_);
  ++cnt_.passes;
  cnt_.macs += static_cast<uint64_t>(ps.mt) * ps.kt * ps.nt;
}

void CfuCore::start_seq_pass() {
  // A pass on the bank being read makes the prefetched words stale (the
  // START of the sequence flushed too; its later passes do again, as the RTL).
  const int bank = p_.c_double ? static_cast<int>((seq_.in1 >> 9) & 1) : 0;
  if (p_.prefetch && bank == rd_bank_) pf_flush();
  // The next position (line, then kernel column, then kernel row).
  ++seq_.p;
  --seq_.left;
  Pass ps;
  ps.mt = static_cast<int>(seq_.in0 & 0xffff);
  ps.kt = static_cast<int>(seq_.in0 >> 16);
  ps.nt = static_cast<int>(seq_.in1 & 0xff);
  const uint32_t flags = (seq_.in1 >> 8) & 0xff;
  ps.clear = false;
  ps.c_bank = p_.c_double ? ((flags & kFlagCBank) ? 1 : 0) : 0;
  ps.keep_a = true;
  ps.keep_b = false;
  ps.hold_b = true;
  ps.im2col = true;
  ps.b_cols = flags & kFlagBCols;
  ps.geom = im2col_seq_origin(seq_.base, seq_.p, static_cast<int>((seq_.in1 >> kStartJShift) & 0xff), &ps.j);
  ps.b_slot = static_cast<int>(seq_.in1 >> kStartSlotShift) + seq_.p;
  launch(&ps);
}

uint32_t CfuCore::read_next() {
  const int nt = c_cols_[rd_bank_];  // >= 1 and rd_line_ in range: checked by the caller
  const uint32_t packed = post_process(rd_line_, rd_lane_);
  rd_lane_ += 4;
  if (rd_lane_ >= nt) {
    rd_lane_ = 0;
    ++rd_line_;
  }
  return packed;
}

uint32_t CfuCore::post_process(int line_index, int lane0) {
  uint32_t packed = 0;
  const int nt = c_cols_[rd_bank_];
  const int32_t* line = &buf_.c[rd_bank_][static_cast<size_t>(line_index) * p_.cols];
  const int set = rd_bank_ * p_.cols;
  for (int j = 0; j < 4; ++j) {
    const int lane = lane0 + j;
    if (lane >= nt) break;
    const int32_t acc =
        static_cast<int32_t>(static_cast<uint32_t>(line[lane]) + static_cast<uint32_t>(bias_[set + lane]));
    const int8_t v = requantize(acc, mult_[set + lane], shift_[set + lane], out_zp_, act_min_, act_max_);
    packed |= static_cast<uint32_t>(static_cast<uint8_t>(v)) << (8 * j);
    ++cnt_.sram_reads;
  }
  return packed;
}

bool CfuCore::pf_would_start(bool busy, int busy_bank) const {
  return p_.prefetch && pf_.size() < static_cast<size_t>(kPrefetchDepth) && pf_line_ < p_.c_lines &&
         c_cols_[rd_bank_] > 0 && !(busy && busy_bank == rd_bank_);
}

void CfuCore::pf_flush() {
  pf_.clear();
  pf_line_ = rd_line_;
  pf_lane_ = rd_lane_;
  pf_flushed_ = true;
}

// Executes the held command if its interlock allows; returns whether it did.
bool CfuCore::try_execute(bool busy_q, bool finishing_q, bool seq_q) {
  const uint32_t f3 = cmd_fid_ & 7, f7 = cmd_fid_ >> 3;
  const uint32_t in0 = cmd_in0_, in1 = cmd_in1_;
  auto reject = [&]() {
    error_ = true;
    respond(kErrorResponse, 1);
    return true;
  };
  last_was_read_ = f3 == kRead;
  switch (f3) {
    case kCfg:
      if (f7 == 0) {
        out_zp_ = static_cast<int8_t>(in0 & 0xff);
        act_min_ = static_cast<int8_t>((in0 >> 8) & 0xff);
        act_max_ = static_cast<int8_t>((in0 >> 16) & 0xff);
        if (p_.prefetch) pf_flush();
        respond(0, 1);
      } else if (f7 == 1) {
        respond(static_cast<uint32_t>(p_.rows) | static_cast<uint32_t>(p_.cols) << 8 |
                    static_cast<uint32_t>(p_.dataflow == Dataflow::kWeightStationary ? kDataflowWs : kDataflowOs) << 16 |
                    kIsaVersion << 24,
                1);
      } else if (f7 == 2) {
        respond(static_cast<uint32_t>(busy_q) | static_cast<uint32_t>(error_) << 1 |
                    static_cast<uint32_t>(buf_.a_active) << 2 | static_cast<uint32_t>(buf_.b_active) << 3,
                1);
      } else if (f7 >= kCfgEwConfig && f7 <= kCfgEwOp && p_.eltwise) {
        // No wait: the unit is independent of the array.
        if (!ew_execute(f7, in0, in1)) return reject();
      } else if ((f7 == kCfgWSeek || f7 == kCfgWBase) && p_.w_lines > 0) {
        // No wait: the store's pointer and the base of the next START.
        const bool on = in1 & 1;
        if (f7 == kCfgWSeek && (in0 >= static_cast<uint32_t>(p_.w_lines) ||
                                in0 * static_cast<uint32_t>(buf_.b_pitch) % kBytesPerWrite != 0))
          return reject();
        if (f7 == kCfgWBase && on && in0 >= static_cast<uint32_t>(p_.w_lines)) return reject();
        if (f7 == kCfgWSeek) {
          w_wp_ = in0 * static_cast<uint32_t>(buf_.b_pitch);
        } else {
          im2col_.w_on = on;
          im2col_.w_base = on ? static_cast<int>(in0) : 0;
        }
        respond(0, 1);
      } else if (f7 == kCfgAFill && p_.im2col) {
        // No wait: the next WRITE_A uses it. At most the line's 8-byte
        // parts (1 for a line of 8 bytes or fewer).
        const uint32_t parts = buf_.a_pitch > kBytesPerWrite ? static_cast<uint32_t>(buf_.a_pitch) / kBytesPerWrite : 1u;
        if (in0 > parts) return reject();
        a_fill_ = static_cast<int>(in0);
        respond(0, 1);
      } else if (f7 == kCfgParamBank && p_.im2col) {
        // No wait: the sets only matter when a READ post-processes.
        if ((in0 & 3) == 0) return reject();
        im2col_.param_sets = static_cast<int>(in0 & 3);
        respond(0, 1);
      } else if (f7 >= kCfgIm2colGeom && f7 <= kCfgIm2colSeq && p_.im2col) {
        // The pass in flight latched its geometry at START; GEOM and PIXEL
        // still wait for it (the RTL's walker reads them while it runs).
        if (f7 != kCfgIm2colOrigin && busy_q) return false;
        Im2colRegs& g = im2col_;
        if (f7 == kCfgIm2colGeom) {
          const int in_w = static_cast<int>(in0 & 0xffff), in_h = static_cast<int>(in0 >> 16);
          const int out_w = static_cast<int>(in1 & 0xffff), sw = static_cast<int>((in1 >> 16) & 0xff),
                    sh = static_cast<int>(in1 >> 24);
          if (in_w < 1 || in_h < 1 || out_w < 1 || sw < 1 || sh < 1) return reject();
          g.in_w = in_w;
          g.in_h = in_h;
          g.out_w = out_w;
          g.stride_w = sw;
          g.stride_h = sh;
        } else if (f7 == kCfgIm2colSeq) {
          const int rows = static_cast<int>(in0 & 0xff), cols = static_cast<int>((in0 >> 8) & 0xff),
                    lines = static_cast<int>((in0 >> 16) & 0xff);
          if (rows < 1 || cols < 1 || lines < 1) return reject();
          g.seq_rows = rows;
          g.seq_cols = cols;
          g.seq_lines = lines;
          g.seq_dy = static_cast<int16_t>(in1 & 0xffff);
          g.seq_dx = static_cast<int16_t>(in1 >> 16);
        } else if (f7 == kCfgIm2colPixel) {
          if ((in0 & 0xff) == 0) return reject();
          g.lines = static_cast<int>(in0 & 0xff);
          g.pad = static_cast<int8_t>((in0 >> 8) & 0xff);
          g.b_stride = static_cast<int>(in1 & 0xffff);
        } else {
          const int ox = static_cast<int>(in1 >> 16);
          if (ox >= g.out_w) return reject();
          g.iy = static_cast<int16_t>(in0 & 0xffff);
          g.ix = static_cast<int16_t>(in0 >> 16);
          g.ix_row = static_cast<int16_t>(in1 & 0xffff);
          g.ox = ox;
        }
        respond(0, 1);
      } else {
        return reject();
      }
      return true;
    case kWriteA:
    case kWriteB: {
      const bool to_w = f3 == kWriteB && f7 == kWriteW && p_.w_lines > 0;
      if (f7 != 0 && !to_w) return reject();
      const bool to_a = f3 == kWriteA;
      // The store is written only while no pass can read it.
      if (busy_q && (to_w || !(to_a ? p_.a_double : p_.b_double))) return false;  // single bank in use
      write_bytes(to_a ? 0 : to_w ? 2 : 1, in0, in1);
      respond(0, 1);
      return true;
    }
    case kParam: {
      // Executed, accepted or rejected: the prefetch restarts (the RTL
      // decides this on funct3 alone, to keep it off the checks' path).
      if (p_.prefetch) pf_flush();
      const uint32_t col_u = f7 == 0 ? in0 : (in1 & 0xff);
      const int shift = static_cast<int8_t>((in1 >> 8) & 0xff);
      if (f7 > 3 || (f7 < 2 && col_u >= static_cast<uint32_t>(p_.cols))) return reject();
      if ((f7 == 1 || f7 == 3) && (shift < sasim::kMinShift || shift > sasim::kMaxShift)) return reject();
      const int col = static_cast<int>(col_u);
      const int lo = f7 >= 2 ? 0 : col, hi = f7 >= 2 ? p_.cols : col + 1;
      for (int s = 0; s < 2; ++s) {
        if (!(im2col_.param_sets >> s & 1)) continue;
        for (int c = s * p_.cols + lo; c < s * p_.cols + hi; ++c) {
          if (f7 == 0 || f7 == 2) {
            bias_[c] = static_cast<int32_t>(in1);
          } else {
            mult_[c] = static_cast<int32_t>(in0);
            shift_[c] = static_cast<int8_t>(shift);
          }
        }
      }
      respond(0, 1);
      return true;
    }
    case kStart:
      if (f7 != 0) return reject();
      // A running SEQ keeps the array: its last pass's last cycle is the first free one.
      if (busy_q && !(finishing_q && !seq_q)) return false;
      // A START on the bank being read, accepted or rejected, restarts the
      // prefetch (the RTL decides it on the bank bit alone).
      if (p_.prefetch && (p_.c_double ? static_cast<int>((in1 >> 9) & 1) : 0) == rd_bank_) pf_flush();
      if (!start_pass(in0, in1)) return reject();
      respond(0, 1);
      return true;
    case kRead:
      if (f7 == 1) {
        if (p_.prefetch) pf_flush();  // accepted or rejected (again below with the new pointer)
        if (in1 >= static_cast<uint32_t>(p_.c_lines)) return reject();
        rd_bank_ = p_.c_double ? static_cast<int>(in0 & 1) : 0;
        rd_line_ = static_cast<int>(in1);
        rd_lane_ = 0;
        if (p_.prefetch) pf_flush();
        respond(0, 1);
        return true;
      }
      if (f7 == kReadKeep) {  // KEEP: the pointer and stride, no wait
        if (!keep_) return reject();
        keep_ptr_ = in0 & ~3u;
        keep_stride_ = in1 & ~3u;
        respond(0, 1);
        return true;
      }
      // READ_EW: READ NEXT through the elementwise unit (with its prefetch).
      if (f7 > kReadEw || (f7 == kReadEw && !(p_.eltwise && p_.prefetch))) return reject();
      if (busy_q && array_->pass().c_bank == rd_bank_) return false;  // bank being written
      if (f7 == 2 && p_.prefetch) pf_flush();  // RAW, accepted or rejected (again below after it moves)
      // Reading past the last line, or a bank no pass has written: rejected.
      if (rd_line_ >= p_.c_lines || c_cols_[rd_bank_] == 0) return reject();
      if ((f7 == 0 || f7 == kReadEw) && p_.prefetch) {
        // The word at the read pointer, once the post-processor has it
        // (READ_EW: as operand a of an EW_OP, b = in0).
        if (pf_.empty() || pf_.front().ready > cnt_.cycles) return false;
        const bool keep = f7 == 0 && keep_stride_ != 0;
        if (f7 == kReadEw) {
          ew_execute(kCfgEwOp, pf_.front().word, in0);
        } else {
          respond(pf_.front().word, 1);
          if (keep) keep_write(pf_.front().word, rd_lane_);
        }
        pf_.pop_front();
        rd_lane_ += 4;
        if (rd_lane_ >= c_cols_[rd_bank_]) {
          rd_lane_ = 0;
          ++rd_line_;
          if (keep) keep_ptr_ += keep_stride_;
        }
      } else if (f7 == 0) {
        respond(read_next(), kReadLatency);
      } else {
        const int nt = c_cols_[rd_bank_];
        respond(static_cast<uint32_t>(buf_.c[rd_bank_][static_cast<size_t>(rd_line_) * p_.cols + rd_lane_]),
                kReadLatency);
        ++cnt_.sram_reads;
        if (++rd_lane_ >= nt) {
          rd_lane_ = 0;
          ++rd_line_;
        }
        if (p_.prefetch) pf_flush();
      }
      return true;
    case kWait:
      if (f7 != 0) return reject();
      if (busy_q) return false;
      respond(0, 1);
      return true;
    case kReset:
      if (f7 != 0) return reject();
      reset();
      pf_flushed_ = true;  // the prefetch starts nothing at the reset's edge
      held_ = true;  // the reset command itself still responds
      respond(0, 1);
      return true;
  }
  return reject();
}

CycleKind CfuCore::step(const BusIn& in) {
  const bool busy_q = array_->busy();
  const bool finishing_q = array_->finishing();
  const bool seq_q = seq_.left > 0;
  const int busy_bank_q = busy_q ? array_->pass().c_bank : -1;
  const bool pf_start = pf_would_start(busy_q, busy_bank_q);  // decided on the state before the edge
  ++cnt_.cycles;

  // Response handshake of the current cycle.
  if (out_.rsp_valid && in.rsp_ready) {
    out_.rsp_valid = false;
    held_ = executed_ = false;
  } else if (executed_ && !out_.rsp_valid && rsp_countdown_ > 0 && --rsp_countdown_ == 0) {
    out_.rsp_valid = true;
    out_.rsp_payload = rsp_data_;
  }

  // The array advances on its own state of this cycle.
  CycleKind kind = CycleKind::kHost;
  if (busy_q) kind = array_->step(&buf_, &cnt_) ? CycleKind::kCompute : CycleKind::kFillDrain;
  // A SEQ's next pass starts in the current one's last cycle (no bubble).
  if (seq_q && finishing_q) start_seq_pass();

  // Command transfer (cmd_ready was !held_ during this cycle).
  const bool transfer = !out_.cmd_ready ? false : in.cmd_valid;
  if (transfer) {
    held_ = true;
    executed_ = false;
    cmd_fid_ = in.function_id & 0x3ff;
    cmd_in0_ = in.inputs_0;
    cmd_in1_ = in.inputs_1;
    ++cnt_.commands;
  }
  if (held_ && !executed_) {
    const bool was_start = (cmd_fid_ & 7) == kStart;
    if (try_execute(busy_q, finishing_q, seq_q) && was_start && !busy_q && kind == CycleKind::kHost)
      kind = CycleKind::kBankSwap;
  }
  if (kind == CycleKind::kHost && last_was_read_) kind = CycleKind::kReadback;

  // The post-processor starts the word at its position (one C RAM read),
  // unless this edge flushed it.
  if (pf_start && !pf_flushed_) {
    pf_.push_back(PfWord{post_process(pf_line_, pf_lane_), cnt_.cycles + kPrefetchLatency});
    pf_lane_ += 4;
    if (pf_lane_ >= c_cols_[rd_bank_]) {
      pf_lane_ = 0;
      ++pf_line_;
    }
  }
  pf_flushed_ = false;

  out_.cmd_ready = !held_;
  ++cnt_.by_kind[static_cast<int>(kind)];
  return kind;
}

void CfuCore::idle(uint64_t n) {
  const BusIn idle_in;  // cmd_valid = 0, rsp_ready = 1
  while (n > 0 && !quiescent()) {
    step(idle_in);
    --n;
  }
  if (n == 0) return;
  const CycleKind kind = last_was_read_ ? CycleKind::kReadback : CycleKind::kHost;
  cnt_.cycles += n;
  cnt_.by_kind[static_cast<int>(kind)] += n;
}

}  // namespace sasim
