// spiketlm_bench: wall time of one platform run against the golden model doing the same
// arithmetic work. One simulation per process (SystemC elaborates once), so
// sw/tools/bench.sh runs this once per case.
//
//   spiketlm_bench CONFIG.yaml TRACE [SAMPLES] [-c key=value]...
//
// Functional traces: the golden model runs the same samples. Workload traces: the golden
// kernels (event-driven conv / linear, dense first layer) run over the same generated spike
// maps with stand-in weights: the same accumulations the PE array performs.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <sys/resource.h>

#include "sw/run/simulation.h"
#include "traces/src/golden.h"
#include "traces/src/spikegen.h"

using namespace spiketlm;
using clk = std::chrono::steady_clock;

namespace {

double since(clk::time_point t0) { return std::chrono::duration<double>(clk::now() - t0).count(); }

// The golden kernels over a workload's maps; returns accumulations done.
uint64_t golden_workload(const bundle& b) {
  uint64_t acc = 0;
  std::mt19937 rng(1);
  std::vector<int32_t> out;
  for (size_t li = 0; li < b.layers.size(); ++li) {
    const layer& L = b.layers[li];
    if (!L.is_compute()) continue;
    const int K = L.out_channels, C = L.in_shape.c, k = L.type == layer_type::conv2d ? L.kernel : 1;
    const int n_in = int(L.in_shape.size());
    std::vector<int8_t> w(size_t(K) * (L.type == layer_type::conv2d ? size_t(C) * k * k : size_t(n_in)));
    for (auto& x : w) x = int8_t(int(rng() % 255) - 127);
    out.assign(L.out_shape.size(), 0);
    const std::vector<int8_t> wt = L.type == layer_type::conv2d ? arith::transpose_conv_weight(w, K, C, k) : std::vector<int8_t>();
    std::vector<int8_t> wl;
    if (L.type == layer_type::linear) {
      wl.resize(w.size());
      for (int o = 0; o < K; ++o)
        for (int i = 0; i < n_in; ++i) wl[size_t(i) * K + o] = w[size_t(o) * n_in + i];
    }
    for (int t = 0; t < b.timesteps; ++t) {
      if (L.input_rate.empty()) {  // multi-bit input: dense
        std::vector<int32_t> in(static_cast<size_t>(n_in));
        for (auto& x : in) x = int32_t(rng() & 0xff);
        if (L.type == layer_type::conv2d)
          arith::conv2d_dense(in.data(), L.in_shape, w.data(), k, L.stride, L.padding, L.out_shape, out.data());
        else
          arith::linear_dense(in.data(), n_in, w.data(), K, out.data());
        acc += uint64_t(L.dense_macs());
        continue;
      }
      const auto s = workload_spikes(b, int(li), t);
      std::vector<int32_t> active;
      for (size_t i = 0; i < s.size(); ++i)
        if (s[i]) active.push_back(int32_t(i));
      if (L.type == layer_type::conv2d)
        arith::conv2d_events(active, L.in_shape, wt.data(), k, L.stride, L.padding, L.out_shape, out.data());
      else
        arith::linear_events(active, wl.data(), K, out.data());
      acc += uint64_t(active.size()) * uint64_t(K) * uint64_t(k) * uint64_t(k);
    }
  }
  return acc;
}

}  // namespace

int sc_main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: spiketlm_bench CONFIG.yaml TRACE [SAMPLES] [-c key=value]...\n");
    return 2;
  }
  RunRequest req;
  req.config = argv[1];
  req.run_params.push_back({"run.trace", argv[2]});
  int arg = 3;
  if (argc > 3 && argv[3][0] != '-') {
    req.run_params.push_back({"run.samples", argv[3]});
    arg = 4;
  }
  for (; arg + 1 < argc; arg += 2) req.overrides.push_back(argv[arg + 1]);
  try {
    const auto t0 = clk::now();
    Simulation sim;
    sim.configure(req);
    Platform& p = sim.elaborate();
    const double t_elab = since(t0);
    const auto t1 = clk::now();
    sim.run();
    const double t_run = since(t1);
    Report r = sim.report();
    uint64_t acc = 0, samples = uint64_t(r.get("run", "samples").as_int());
    for (Module* m : sim.ctx().modules())
      if (const Stat* s = m->find_stat("accumulates")) acc += s->count;
    const double cycles = r.get("summary", "latency_cycles").as_double() * double(samples);

    // The golden model on the same work: the best of three runs (the simulation runs once per
    // process; sw/tools/bench.sh keeps the best of three processes).
    const bundle b = read_bundle(argv[2]);
    double t_gold = 1e300;
    for (int rep = 0; rep < 3; ++rep) {
      const auto t2 = clk::now();
      if (b.functional()) {
        golden::model g(b);
        const int first = int(sim.ctx().params.get_int("run.first_sample", 0));
        for (uint64_t s = 0; s < samples; ++s) g.run(first + int(s));
      } else {
        for (uint64_t s = 0; s < samples; ++s) golden_workload(b);
      }
      t_gold = std::min(t_gold, since(t2));
    }
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    std::printf("%-34s %-28s samples %3llu | sim %.3f s (+%.3f s build) | %.3g sim cycles/s | %.3g accumulates/s"
                " | golden %.3f s | ratio %.2f | peak RSS %.0f MiB\n",
                req.config.c_str(), b.name.c_str(), (unsigned long long)samples, t_run, t_elab, cycles / t_run,
                double(acc) / t_run, t_gold, t_run / t_gold, ru.ru_maxrss / 1024.0);
    (void)p;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "spiketlm_bench: error: %s\n", error_text(e).c_str());
    return 1;
  }
  return 0;
}

int main(int argc, char** argv) {
  setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 1);
  return sc_core::sc_elab_and_sim(argc, argv);
}
