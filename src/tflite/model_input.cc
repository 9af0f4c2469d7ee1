#include "tflite/model_input.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "config/npy.h"
#include "sasim/config.h"

namespace sasim::tflite {

namespace {

// A file's bytes, at most max_bytes (a larger file: ConfigError with `too_big`).
std::string read_all(const std::string& path, uint64_t max_bytes, const char* what, const std::string& too_big) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0)
    throw ConfigError({{path, 0, 0, "", fmt::format("cannot open {}: {}", what, std::strerror(errno))}});
  if (!S_ISREG(st.st_mode)) throw ConfigError({{path, 0, 0, "", fmt::format("is not a file ({} expected)", what)}});
  if (static_cast<uint64_t>(st.st_size) > max_bytes)
    throw ConfigError({{path, 0, 0, "", fmt::format("holds {} bytes; {}", st.st_size, too_big)}});
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// "1x32x32x3".
std::string dims_text(const std::vector<int>& shape) {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i) s += fmt::format("{}{}", i ? "x" : "", shape[i]);
  return s;
}

// The model input: raw int8 bytes (.bin), an int8 .npy array of the input
// tensor's shape (leading 1s aside), or seeded.
}  // namespace

std::vector<int8_t> model_input(const std::string& path, int64_t seed, const tflite::Tensor& t) {
  const size_t n = static_cast<size_t>(t.elements());
  if (path.empty()) {
    std::mt19937 rng(static_cast<uint32_t>(seed));
    std::uniform_int_distribution<int> d(-128, 127);
    std::vector<int8_t> v(n);
    for (auto& x : v) x = static_cast<int8_t>(d(rng));
    return v;
  }
  const std::string need = fmt::format("the input tensor {} ({}, int8) needs {} bytes", t.name, dims_text(t.shape), n);
  // Room for a .npy header (NumPy pads it to a multiple of 64 bytes; 64 KiB
  // is far more than any array of an input tensor's rank needs).
  std::string bytes = read_all(path, n + (1u << 16), "input tensor", need);
  if (is_npy(bytes)) {
    NpyHeader h;
    try {
      h = parse_npy_header(bytes);
    } catch (const NpyError& e) {
      throw ConfigError({{path, 0, 0, "", e.what()}});
    }
    if (h.descr != "|i1" && h.descr != "<i1" && h.descr != ">i1" && h.descr != "i1")
      throw ConfigError({{path, 0, 0, "", fmt::format("holds '{}' values; the input tensor {} is int8 ('|i1'): quantize "
                                                      "it first (q = round(x / {}) + {})",
                                                      h.descr, t.name, t.quant.scale.empty() ? 1.0 : t.quant.scale[0],
                                                      t.quant.zero_point.empty() ? int64_t{0} : t.quant.zero_point[0])}});
    if (h.fortran_order)
      throw ConfigError({{path, 0, 0, "", "is a Fortran-order array; save it in C order (np.ascontiguousarray)"}});
    // The shapes must agree, leading 1s aside: a (1, 3, 32, 32) array for a
    // 1x32x32x3 (NHWC) tensor holds the right number of bytes in the wrong order.
    std::vector<int64_t> a = h.shape, b(t.shape.begin(), t.shape.end());
    while (!a.empty() && a.front() == 1) a.erase(a.begin());
    while (!b.empty() && b.front() == 1) b.erase(b.begin());
    if (a != b)
      throw ConfigError({{path, 0, 0, "", fmt::format("is a {} array; the input tensor {} is {} (NHWC)",
                                                      npy_shape_text(h.shape), t.name, dims_text(t.shape))}});
    if (bytes.size() - h.data_offset != n)
      throw ConfigError({{path, 0, 0, "", fmt::format("holds {} bytes of data after its header; {}",
                                                      bytes.size() - h.data_offset, need)}});
    bytes = bytes.substr(h.data_offset);
  }
  if (bytes.size() != n) throw ConfigError({{path, 0, 0, "", fmt::format("holds {} bytes; {}", bytes.size(), need)}});
  return std::vector<int8_t>(bytes.begin(), bytes.end());
}

}  // namespace sasim::tflite
