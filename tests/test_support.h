// Helpers shared by the test binaries: the shared vector cases (read in
// place from ../shared/vectors) and hardware configs with the array overridden.
#pragma once

#include <dirent.h>

#include <algorithm>
#include <string>
#include <vector>

#include "sasim/config.h"

namespace sasim_test {

// Every case directory under SASIM_SHARED_DIR/vectors, sorted.
inline std::vector<std::string> vector_cases() {
  std::vector<std::string> out;
  const std::string root = std::string(SASIM_SHARED_DIR) + "/vectors";
  DIR* d = opendir(root.c_str());
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    const std::string n = e->d_name;
    if (n[0] == '.' || n == "README.md") continue;
    out.push_back(root + "/" + n);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

// The embedded default with array.rows/cols/dataflow set through --set
// overrides, exactly as a user would.
inline sasim::HwConfig hw_of(int rows, int cols, const char* dataflow) {
  return sasim::load_hw_config("", {sasim::parse_override("array.rows=" + std::to_string(rows)),
                                    sasim::parse_override("array.cols=" + std::to_string(cols)),
                                    sasim::parse_override(std::string("array.dataflow=") + dataflow)});
}

}  // namespace sasim_test
