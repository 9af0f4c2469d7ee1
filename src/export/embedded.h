// Source files compiled into sasim (cmake/embed_files.cmake), by their path
// in the sasim source tree: what `sasim export-cfu` writes into a project.
#pragma once

namespace sasim {

struct EmbeddedFile {
  const char* path;
  const char* text;
};

extern const EmbeddedFile kEmbeddedFiles[];
extern const int kEmbeddedFileCount;

// The file at `path`, or null.
const char* embedded_file(const char* path);

}  // namespace sasim
