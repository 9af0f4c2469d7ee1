// sasim import: a .tflite model's accelerator layers as a sasim model config.
#include <fmt/format.h>

#include "commands.h"
#include "tflite/import.h"
#include "tflite/reader.h"

namespace sasim {

int cmd_import(const std::string& tflite_path, const std::string& out_yaml) {
  const tflite::Model m = tflite::load_tflite(tflite_path);
  const tflite::Imported im = tflite::import_model(m);  // everything checked before anything is written
  const size_t slash = out_yaml.find_last_of('/');
  if (slash != std::string::npos && slash > 0) make_dirs(out_yaml.substr(0, slash));
  const std::vector<std::string> files = tflite::write_model_yaml(m, im, out_yaml, tflite_path);
  fmt::print("imported {}: {} accelerator layers, {} CPU operators\n", tflite_path,
             im.layers.size(), im.cpu_ops.size());
  fmt::print("wrote {} and {} weight files\n", out_yaml, files.size() - 1);
  return kExitOk;
}

}  // namespace sasim
