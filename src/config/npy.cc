#include "config/npy.h"

#include <fmt/format.h>

#include <cctype>

namespace sasim {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr int64_t kMaxElements = int64_t{1} << 40;

// A cursor over the header's dict literal.
struct Cursor {
  const std::string& s;
  size_t i = 0;
  void skip_space() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  }
  bool eat(char c) {
    skip_space();
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  void expect(char c, const char* what) {
    if (eat(c)) return;
    if (i >= s.size()) throw NpyError("the header's dict is cut off");
    throw NpyError(fmt::format("the header's dict is malformed: expected '{}' {}", c, what));
  }
  std::string quoted() {
    skip_space();
    if (i >= s.size() || (s[i] != '\'' && s[i] != '"'))
      throw NpyError("the header's dict is malformed: expected a quoted string");
    const char q = s[i++];
    const size_t end = s.find(q, i);
    if (end == std::string::npos) throw NpyError("the header's dict is cut off inside a string");
    std::string v = s.substr(i, end - i);
    i = end + 1;
    return v;
  }
  std::string word() {
    skip_space();
    const size_t b = i;
    while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
    return s.substr(b, i - b);
  }
  int64_t integer() {
    skip_space();
    if (i < s.size() && s[i] == '-') throw NpyError("the shape has a negative dimension");
    if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i])))
      throw NpyError("the shape holds something other than integers");
    int64_t v = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      v = v * 10 + (s[i] - '0');
      if (v > kMaxElements) throw NpyError("the shape has a dimension beyond 2^40");
      ++i;
    }
    if (i < s.size() && (s[i] == 'L' || s[i] == 'l')) ++i;  // Python 2's long suffix
    return v;
  }
};

}  // namespace

int64_t NpyHeader::elements() const {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d != 0 && n > kMaxElements / d) return -1;
    n *= d;
  }
  return n;
}

bool is_npy(const std::string& bytes) { return bytes.compare(0, 6, kMagic, 6) == 0; }

NpyHeader parse_npy_header(const std::string& bytes) {
  if (!is_npy(bytes)) throw NpyError("not a .npy file (no \\x93NUMPY magic)");
  if (bytes.size() < 10) throw NpyError("the file ends inside the .npy preamble");
  const int major = static_cast<uint8_t>(bytes[6]);
  size_t hl = 0, start = 0;
  if (major == 1) {
    hl = static_cast<uint8_t>(bytes[8]) | static_cast<size_t>(static_cast<uint8_t>(bytes[9])) << 8;
    start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw NpyError("the file ends inside the .npy preamble");
    for (int k = 0; k < 4; ++k) hl |= static_cast<size_t>(static_cast<uint8_t>(bytes[8 + k])) << (8 * k);
    start = 12;
  } else {
    throw NpyError(fmt::format(".npy format version {}.{} (1.0, 2.0 and 3.0 are read)", major,
                               static_cast<int>(static_cast<uint8_t>(bytes[7]))));
  }
  if (hl > bytes.size() - start) throw NpyError("the file ends inside the .npy header");
  const std::string header = bytes.substr(start, hl);
  NpyHeader h;
  h.data_offset = start + hl;
  Cursor c{header};
  c.expect('{', "at the header's start");
  bool have_descr = false, have_order = false, have_shape = false;
  while (!c.eat('}')) {
    if (c.i >= header.size()) throw NpyError("the header's dict is cut off (no closing '}')");
    const std::string key = c.quoted();
    c.expect(':', "after a key");
    if (key == "descr") {
      h.descr = c.quoted();
      have_descr = true;
    } else if (key == "fortran_order") {
      const std::string w = c.word();
      if (w != "True" && w != "False") throw NpyError("'fortran_order' is neither True nor False");
      h.fortran_order = w == "True";
      have_order = true;
    } else if (key == "shape") {
      c.expect('(', "to open the shape");
      while (!c.eat(')')) {
        if (c.i >= header.size()) throw NpyError("the header's dict is cut off inside the shape");
        h.shape.push_back(c.integer());
        if (!c.eat(',')) {
          c.expect(')', "to close the shape");
          break;
        }
      }
      have_shape = true;
    } else {
      throw NpyError(fmt::format("the header has an unknown key '{}'", key));
    }
    if (!c.eat(',')) {
      c.expect('}', "to close the dict");
      break;
    }
  }
  if (!have_descr || !have_order || !have_shape)
    throw NpyError("the header lacks one of 'descr', 'fortran_order' and 'shape'");
  if (h.elements() < 0) throw NpyError(fmt::format("the shape {} holds more than 2^40 elements", npy_shape_text(h.shape)));
  return h;
}

std::string npy_shape_text(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += fmt::format("{}{}", i ? ", " : "", shape[i]);
  if (shape.size() == 1) s += ",";
  return s + ")";
}

}  // namespace sasim
