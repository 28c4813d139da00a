#include "hw/compute/buffer_plan.h"

#include <algorithm>
#include <limits>

#include "sw/include/spiketlm/accel_regs.h"

namespace spiketlm {

namespace {
uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }
std::string n(uint64_t v) { return std::to_string(v); }
PlanRefusal no_fit(const std::string& why) { return {ERR_NO_FIT, why}; }
}  // namespace

int ComputePlan::in_rows(const ConvGeom& g, int r0, int r1, int& y0) const {
  y0 = std::max(0, r0 * g.stride - g.pad);
  const int y1 = std::min(g.in_h, (r1 - 1) * g.stride - g.pad + g.kh);
  return std::max(0, y1 - y0);
}

uint64_t ComputePlan::band_in(const ConvGeom& g, int planes, int r, int c) const {
  return uint64_t(planes) * uint64_t(c) * uint64_t(std::min(g.in_h, (r - 1) * g.stride + g.kh)) * in_pitch;
}

namespace {

// Weight segments: a filter tile's weight block that does not fit half the weight GLB is
// streamed per band in segments of whole input channels (the psums stay in the PEs).
PlanRefusal plan_weights(const ComputeShape& s, ComputePlan& p) {
  const ConvGeom& g = s.g;
  p.block = g.w_dim() * uint64_t(s.cols);
  p.chan_bytes = uint64_t(g.kh) * g.kw * uint64_t(s.cols);
  p.seg_c = int(std::min<uint64_t>(uint64_t(g.in_c), s.weight_half / p.chan_bytes));
  if (p.seg_c == 0)
    return no_fit("the weights of one input channel of a filter tile (" + n(p.chan_bytes) +
                  " B) exceed half the weight GLB (" + n(s.weight_half) + " B)");
  p.wsegs = (g.in_c + p.seg_c - 1) / p.seg_c;
  p.wchunk = p.wsegs == 1 ? p.block : uint64_t(p.seg_c) * p.chan_bytes;
  return {};
}

// Input: resident, or bands of output rows, in input-channel segments when one output row of
// every input channel does not fit half the ifmap GLB (the most channels for which it fits).
PlanRefusal plan_input(const ComputeShape& s, ComputePlan& p) {
  const ConvGeom& g = s.g;
  p.resident = p.map_bytes * uint64_t(s.timesteps) <= s.ifmap_half;
  p.band_rows = g.out_h;
  p.in_seg_c = g.in_c;
  if (!p.resident) {
    const uint64_t one = p.band_in(g, s.planes, 1, 1);
    if (one > s.ifmap_half)
      return no_fit("the input of one output row of one input channel (" + n(one) + " B) exceeds half the ifmap GLB (" +
                    n(s.ifmap_half) + " B)");
    p.in_seg_c = int(std::min<uint64_t>(uint64_t(g.in_c), s.ifmap_half / one));
    while (p.band_rows > 1 && p.band_in(g, s.planes, p.band_rows, p.in_seg_c) > s.ifmap_half) --p.band_rows;
  }
  p.in_segs = (g.in_c + p.in_seg_c - 1) / p.in_seg_c;
  if (p.in_segs > 1 && s.segments_need_static_cycles)
    return no_fit("the input of one output row (" + n(p.band_in(g, s.planes, 1, g.in_c)) +
                  " B) exceeds half the ifmap GLB (" + n(s.ifmap_half) +
                  " B) and input channel segments are not modelled with skip_zero_cycles");
  return {};
}

// Output: one output row of a tile (spikes or activation planes, and membranes that outlive
// the call; or int32 accumulations) must fit half the ofmap GLB; bands shrink until theirs do.
PlanRefusal plan_output(const ComputeShape& s, ComputePlan& p) {
  const ConvGeom& g = s.g;
  p.out_row_bytes = s.fires ? uint64_t(s.cols) * (p.out_pitch * uint64_t(s.out_planes) +
                                                  (s.persist ? uint64_t(g.out_w) * uint64_t(s.membrane_bytes) : 0))
                            : uint64_t(s.cols) * uint64_t(g.out_w) * 4;
  if (p.out_row_bytes > s.ofmap_half)
    return no_fit("one output row of a filter tile (" + n(p.out_row_bytes) + " B) exceeds half the ofmap GLB (" +
                  n(s.ofmap_half) + " B)");
  while (p.band_rows > 1 && p.out_row_bytes * uint64_t(p.band_rows) > s.ofmap_half) --p.band_rows;
  p.bands = int(ceil_div(uint64_t(g.out_h), uint64_t(p.band_rows)));
  return {};
}

}  // namespace

ComputePlan plan_compute(const ComputeShape& s) {
  ComputePlan p;
  const ConvGeom& g = s.g;
  p.in_pitch = (uint64_t(g.in_w) + 7) / 8;
  p.out_pitch = (uint64_t(g.out_w) + 7) / 8;
  p.map_bytes = uint64_t(s.planes) * g.in_c * g.in_h * p.in_pitch;
  p.tiles = int(ceil_div(uint64_t(g.out_c), uint64_t(s.cols)));
  if ((p.refusal = plan_weights(s, p))) return p;
  if (s.psum_timesteps && uint64_t(2 * s.psum_timesteps) > s.psum_spad_bytes) {
    p.refusal = no_fit("tick-batch over " + n(uint64_t(s.psum_timesteps)) + " timesteps needs a " +
                       n(uint64_t(2 * s.psum_timesteps)) + "-B psum scratchpad (have " + n(s.psum_spad_bytes) + " B)");
    return p;
  }
  if ((p.refusal = plan_input(s, p))) return p;
  p.refusal = plan_output(s, p);
  return p;
}

GroupPlan plan_pool(const ConvGeom& g, int planes, int out_planes, uint64_t ih, uint64_t oh) {
  GroupPlan p;
  const uint64_t pin = (uint64_t(g.in_w) + 7) / 8, pout = (uint64_t(g.out_w) + 7) / 8;
  auto in_need = [&](int r, int kn) {
    return uint64_t(planes) * uint64_t(kn) * uint64_t(std::min(g.in_h, (r - 1) * g.stride + g.kh)) * pin;
  };
  auto out_need = [&](int r, int kn) { return uint64_t(out_planes) * uint64_t(kn) * uint64_t(r) * pout; };
  if (in_need(1, 1) > ih || out_need(1, 1) > oh) {
    p.refusal = no_fit("pooling: one output row of one channel needs " + n(in_need(1, 1)) + " B of input and " +
                       n(out_need(1, 1)) + " B of output; half GLBs hold " + n(ih) + " and " + n(oh) + " B");
    return p;
  }
  p.group = int(std::min<uint64_t>(uint64_t(g.in_c), std::min(ih / in_need(1, 1), oh / out_need(1, 1))));
  p.groups = (g.in_c + p.group - 1) / p.group;
  p.band_rows = g.out_h;
  while (p.band_rows > 1 && (in_need(p.band_rows, p.group) > ih || out_need(p.band_rows, p.group) > oh)) --p.band_rows;
  p.bands = (g.out_h + p.band_rows - 1) / p.band_rows;
  return p;
}

GroupPlan plan_add(int channels, int rows, uint64_t chan_in, uint64_t chan_out, uint64_t ih, uint64_t oh) {
  GroupPlan p;
  if (chan_in > ih || chan_out > oh) {
    p.refusal = no_fit("add: one row of one channel (" + n(chan_in) + " B in, " + n(chan_out) +
                       " B out) exceeds half a GLB");
    return p;
  }
  p.group = int(std::min<uint64_t>(uint64_t(channels), std::min(ih / chan_in, oh / chan_out)));
  p.band_rows = int(std::max<uint64_t>(
      1, std::min({uint64_t(rows), ih / (chan_in * uint64_t(p.group)), oh / (chan_out * uint64_t(p.group))})));
  p.bands = (rows + p.band_rows - 1) / p.band_rows;
  p.groups = (channels + p.group - 1) / p.group;
  return p;
}

std::vector<RegionSlot> place_regions(const std::vector<uint64_t>& bytes, const std::vector<int>& group) {
  // every place held until the group ends: place_live never frees one, so they follow one another
  return place_live(bytes, std::vector<int>(bytes.size(), std::numeric_limits<int>::max()), group);
}

std::vector<RegionSlot> place_live(const std::vector<uint64_t>& bytes, const std::vector<int>& last,
                                   const std::vector<int>& group) {
  std::vector<RegionSlot> s(bytes.size());
  struct Used {
    uint64_t at, n;
    int until;
  };
  std::vector<Used> used;  // the group's live places, by offset
  size_t first = 0;        // the group's first layer, which keeps its peak
  for (size_t l = 0; l < bytes.size(); ++l) {
    if (group[l] != group[first]) first = l, used.clear();
    if (bytes[l]) {
      uint64_t at = 0;  // the lowest gap that holds it
      for (const Used& u : used) {
        if (u.at >= at + bytes[l]) break;
        at = std::max(at, u.at + u.n);
      }
      used.insert(std::lower_bound(used.begin(), used.end(), at, [](const Used& u, uint64_t a) { return u.at < a; }),
                  {at, bytes[l], last[l]});
      s[l].offset = int64_t(at);
      s[first].reserved = std::max(s[first].reserved, at + bytes[l]);
    }
    used.erase(std::remove_if(used.begin(), used.end(), [&](const Used& u) { return u.until <= int(l); }), used.end());
  }
  for (size_t l = 1; l < bytes.size(); ++l)
    if (group[l] == group[l - 1]) s[l].reserved = s[l - 1].reserved;
  return s;
}

}  // namespace spiketlm
