// NumPy's .npy format (versions 1-3): the header of an array file, read
// strictly (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
// describes it; this is our own parser). Used for `sasim run --input FILE.npy`.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace sasim {

struct NpyHeader {
  std::string descr;           // the dtype, e.g. "|i1", "<f4"
  bool fortran_order = false;
  std::vector<int64_t> shape;  // () for a scalar
  size_t data_offset = 0;      // where the array's bytes start
  // The number of elements, or -1 when it does not fit 2^40.
  int64_t elements() const;
};

// Thrown with a message that says what is wrong with the header.
struct NpyError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// True when `bytes` start with the .npy magic.
bool is_npy(const std::string& bytes);
// Parses the header of a .npy file's bytes: the magic, a version 1.0, 2.0 or
// 3.0, the header length, and a dict with exactly the keys 'descr',
// 'fortran_order' and 'shape' (non-negative integers). Throws NpyError.
NpyHeader parse_npy_header(const std::string& bytes);
// "(1, 3, 32, 32)", as NumPy prints a shape.
std::string npy_shape_text(const std::vector<int64_t>& shape);

}  // namespace sasim
