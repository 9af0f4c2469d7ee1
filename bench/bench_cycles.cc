// Benchmark: simulated cycles per second of the cycle-stepped model.
//
//   build/bench_cycles [MODEL.yaml] [ROWS] [COLS] [ws|os]
//
// Runs every layer of the model (default models/resnet8.yaml on a 16x16 ws
// array) on the systemc engine and on the plain C++ core, and prints the
// simulated cycles, wall time and cycles per second of each. The target for
// the SystemC model at 16x16 is 3 million cycles per second on the 2-core
// reference machine. Not a test: it prints figures, it does not judge them.
#include <systemc>

#include <chrono>
#include <cstdio>
#include <string>

#include "model/core.h"
#include "model/core_params.h"
#include "model/host.h"
#include "sasim/config.h"
#include "sasim/engine.h"

int sc_main(int argc, char* argv[]) {
  if (argc > 1 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
    std::printf("usage: bench_cycles [MODEL.yaml] [ROWS] [COLS] [ws|os]\n"
                "Simulated cycles per second of the systemc engine and the plain core for every layer of MODEL\n"
                "(default models/resnet8.yaml on a 16x16 ws array). Prints figures; not a test.\n");
    return 0;
  }
  const std::string model_path = argc > 1 ? argv[1] : "models/resnet8.yaml";
  const std::string rows = argc > 2 ? argv[2] : "16", cols = argc > 3 ? argv[3] : "16";
  const std::string df = argc > 4 ? argv[4] : "ws";
  try {
    const sasim::HwConfig hw = sasim::load_hw_config(
        "", {sasim::parse_override("array.rows=" + rows), sasim::parse_override("array.cols=" + cols),
             sasim::parse_override("array.dataflow=" + df)});
    const sasim::ModelConfig model = sasim::load_model_config(model_path, {});
    std::vector<sasim::LayerData> data;
    for (const auto& l : model.layers) data.push_back(sasim::make_layer_data(l));

    using clock = std::chrono::steady_clock;
    auto engine = sasim::make_engine("systemc", hw);
    uint64_t sc_cycles = 0, macs = 0;
    const auto t0 = clock::now();
    for (size_t i = 0; i < model.layers.size(); ++i) {
      const auto r = engine->run(model.layers[i].spec, data[i]);
      sc_cycles += r.stats.cycles;
      macs += r.stats.macs;
    }
    const double sc_s = std::chrono::duration<double>(clock::now() - t0).count();

    const sasim::CoreParams p = sasim::core_params_from(hw);
    sasim::CfuCore core(p);
    sasim::PlainHost host(&core, hw.host);
    sasim::set_cfu_target(&host);
    const auto t1 = clock::now();
    for (size_t i = 0; i < model.layers.size(); ++i) {
      std::vector<int8_t> out(static_cast<size_t>(model.layers[i].spec.output_elems()));
      sasim_drv::run_layer(sasim::hw_desc_from(p), sasim::layer_desc_from(model.layers[i].spec, data[i], out.data()));
    }
    const double plain_s = std::chrono::duration<double>(clock::now() - t1).count();

    std::printf("model %s on %sx%s %s: %llu simulated cycles, %llu MACs, %llu array-busy cycles\n", model.name.c_str(),
                rows.c_str(), cols.c_str(), df.c_str(), static_cast<unsigned long long>(sc_cycles),
                static_cast<unsigned long long>(macs),
                static_cast<unsigned long long>(core.counters().by_kind[0] + core.counters().by_kind[1]));
    std::printf("systemc engine: %.3f s wall, %.2f M simulated cycles/s\n", sc_s, sc_cycles / sc_s / 1e6);
    std::printf("plain C++ core: %.3f s wall, %.2f M simulated cycles/s\n", plain_s,
                core.counters().cycles / plain_s / 1e6);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  return 0;
}
