#include "export/embedded.h"

#include <cstring>

namespace sasim {

const char* embedded_file(const char* path) {
  for (int i = 0; i < kEmbeddedFileCount; ++i)
    if (std::strcmp(kEmbeddedFiles[i].path, path) == 0) return kEmbeddedFiles[i].text;
  return nullptr;
}

}  // namespace sasim
