// SCALE-Sim v2 closed forms for a systolic array of R rows x C columns (FACTS.md section 3).
// Pure arithmetic, no SystemC: the PE array and the dataflows use it for dense timing and
// the tests check the array against it.
#pragma once
#include <cstdint>
#include <string>

namespace spiketlm::scalesim {

enum class Mapping { output_stationary, weight_stationary, input_stationary };

inline uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

struct Layer {
  uint64_t npx;  // output pixels
  uint64_t k;    // filters
  uint64_t w;    // kernel_h x kernel_w x Cin
};

struct Folds {
  uint64_t rows_dim, cols_dim, streamed;
  uint64_t folds_r, folds_c, folds;
  uint64_t cycles_per_fold;
  uint64_t total_cycles;  // folds x cycles_per_fold - 1
};

// What each mapping puts on rows and columns and streams, and its cycles per fold.
inline Folds folds(Mapping m, uint64_t R, uint64_t C, const Layer& l) {
  Folds f{};
  switch (m) {
    case Mapping::output_stationary:
      f.rows_dim = l.npx; f.cols_dim = l.k; f.streamed = l.w;
      f.cycles_per_fold = R + C + f.streamed - 2;
      break;
    case Mapping::weight_stationary:
      f.rows_dim = l.w; f.cols_dim = l.k; f.streamed = l.npx;
      f.cycles_per_fold = 2 * R + C + f.streamed - 2;
      break;
    case Mapping::input_stationary:
      f.rows_dim = l.w; f.cols_dim = l.npx; f.streamed = l.k;
      f.cycles_per_fold = 2 * R + C + f.streamed - 2;
      break;
  }
  f.folds_r = ceil_div(f.rows_dim, R);
  f.folds_c = ceil_div(f.cols_dim, C);
  f.folds = f.folds_r * f.folds_c;
  f.total_cycles = f.folds * f.cycles_per_fold - 1;
  return f;
}

// SRAM accesses in elements (FACTS.md section 3).
struct Accesses {
  uint64_t ifmap_reads, filter_reads, ofmap_writes;
};
inline Accesses accesses(Mapping m, uint64_t R, uint64_t C, const Layer& l) {
  switch (m) {
    case Mapping::output_stationary:
      return {l.npx * l.w * ceil_div(l.k, C), l.w * l.k * ceil_div(l.npx, R), l.npx * l.k};
    case Mapping::weight_stationary:
      return {l.npx * l.w * ceil_div(l.k, C), l.w * l.k, l.npx * l.k * ceil_div(l.w, R)};
    default:
      return {l.npx * l.w, l.w * l.k * ceil_div(l.npx, C), l.npx * l.k * ceil_div(l.w, R)};
  }
}

// Output size without padding, as SCALE-Sim computes it: ceil((H - kh) / s) + 1.
inline uint64_t out_size_no_pad(uint64_t h, uint64_t k, uint64_t s) { return ceil_div(h - k, s) + 1; }

}  // namespace spiketlm::scalesim
