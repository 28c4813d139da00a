#include "traces/nir/inputs.h"

#include "tlm/error.h"
#include "hw/arith/spikegen.h"
#include "traces/src/spikegen.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace spiketlm::nir {

namespace {

std::vector<double> as_doubles(const npy_array& a) {
  std::vector<double> v(a.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    switch (a.dtype) {
      case npy_dtype::i8: v[i] = a.data<std::int8_t>()[i]; break;
      case npy_dtype::u8:
      case npy_dtype::b1: v[i] = a.data<std::uint8_t>()[i]; break;
      case npy_dtype::i16: v[i] = a.data<std::int16_t>()[i]; break;
      case npy_dtype::i32: v[i] = a.data<std::int32_t>()[i]; break;
      case npy_dtype::i64: v[i] = double(a.data<std::int64_t>()[i]); break;
      case npy_dtype::f32: v[i] = a.data<float>()[i]; break;
      case npy_dtype::f64: v[i] = a.data<double>()[i]; break;
    }
  }
  return v;
}

[[noreturn]] void bad(const std::string& file, const std::string& what) { fail("nir", file + ": " + what); }

npy_array u8_array(std::vector<std::size_t> shape, const std::vector<double>& v) {
  std::vector<std::uint8_t> b(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) b[i] = std::uint8_t(v[i]);
  return npy_array::make<std::uint8_t>(std::move(shape), b);
}

// Values as the poisson / rate encoders' bytes: uint8 as they are, floats in [0, 1] x 255.
std::vector<double> probability_bytes(const npy_array& a, const std::vector<double>& v, const std::string& file) {
  std::vector<double> r(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    const bool byte = a.dtype == npy_dtype::u8 || a.dtype == npy_dtype::b1;
    if (byte ? false : !(v[i] >= 0.0 && v[i] <= 1.0))
      bad(file, "[" + std::to_string(i) + "]: expected a spike probability in [0, 1] (poisson/rate), got " + std::to_string(v[i]));
    r[i] = byte ? v[i] : std::round(v[i] * 255.0);
  }
  return r;
}

// Direct coding: bytes as they are (times the input scale), other values quantized.
void direct_values(input_data& d, bool bytes, const std::vector<double>& v, const import_options& o,
                   std::vector<std::size_t> shape) {
  d.raw = v;
  if (bytes) {
    d.scale = o.input_scale > 0 ? o.input_scale : 1.0 / 255.0;
    for (double& x : d.raw) x *= d.scale;
    d.data = u8_array(std::move(shape), v);
    return;
  }
  double mx = 0, mn = 0;
  for (const double x : v) mx = std::max(mx, std::fabs(x)), mn = std::min(mn, x);
  const bool sign = mn < 0;
  d.scale = mx > 0 ? mx / (sign ? 127.0 : 255.0) : 1.0;
  d.dtype = sign ? npy_dtype::i8 : npy_dtype::u8;
  std::vector<std::int8_t> s(v.size());
  std::vector<double> q(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) q[i] = std::round(v[i] / d.scale);
  if (!sign) d.data = u8_array(std::move(shape), q);
  else {
    for (std::size_t i = 0; i < v.size(); ++i) s[i] = std::int8_t(q[i]);
    d.data = npy_array::make<std::int8_t>(std::move(shape), s);
  }
}

void from_file(input_data& d, const import_options& o, const shape_t& in) {
  const std::string& f = o.inputs_file;
  npy_array a;
  try {
    a = npy_read(f);
  } catch (const std::exception& e) {
    fail("nir", error_text(e));
  }
  const std::vector<double> v = as_doubles(a);
  const shape_t tail = a.shape.size() > in.size() ? shape_t(a.shape.end() - std::ptrdiff_t(in.size()), a.shape.end()) : shape_t{};
  const bool spikes = a.shape.size() == in.size() + 2 && tail == in, values = a.shape.size() == in.size() + 1 && tail == in;
  if (!spikes && !values)
    bad(f, "shape: expected [N, T] + " + shape_str(in) + " (spikes) or [N] + " + shape_str(in) + " (values) for the Input, got " +
               shape_str(a.shape));
  d.samples = int(a.shape[0]);
  if (d.samples < 1) bad(f, "shape: expected at least one sample, got none");
  std::vector<std::size_t> chw = {std::size_t(d.samples)};
  if (spikes) {
    d.timesteps = int(a.shape[1]);
    if (d.timesteps < 1 || d.timesteps > 64) bad(f, "shape: expected 1..64 timesteps, got " + std::to_string(d.timesteps));
    for (std::size_t i = 0; i < v.size(); ++i)
      if (v[i] != 0.0 && v[i] != 1.0) bad(f, "[" + std::to_string(i) + "]: expected a spike (0 or 1), got " + std::to_string(v[i]));
    d.encoding = "spikes";
    d.data = u8_array(a.shape, v);
    d.note = f + ": spikes, " + std::to_string(d.samples) + " samples x " + std::to_string(d.timesteps) + " timesteps";
    return;
  }
  chw.insert(chw.end(), a.shape.begin() + 1, a.shape.end());
  d.encoding = o.encoding;
  if (o.encoding == "direct") direct_values(d, a.dtype == npy_dtype::u8, v, o, chw);
  else d.data = u8_array(chw, probability_bytes(a, v, f));
  d.note = f + ": " + std::to_string(d.samples) + " samples, " + o.encoding + " encoding";
}

}  // namespace

input_data make_inputs(const import_options& o, const network& net) {
  input_data d;
  d.timesteps = o.timesteps;
  const shape_t& in = net.at(net.input).out_shape;
  if (!o.inputs_file.empty()) {
    from_file(d, o, in);
    if (d.encoding == "spikes" && o.timesteps_given && o.timesteps != d.timesteps)
      bad(o.inputs_file, "shape: expected " + std::to_string(o.timesteps) + " timesteps (--timesteps), got " + std::to_string(d.timesteps));
    return d;
  }
  d.samples = o.samples;
  d.encoding = o.encoding;
  const std::size_t n = elements(in);
  std::vector<double> v(std::size_t(d.samples) * n);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = double(arith::splitmix64_mix(o.seed ^ (std::uint64_t(i) * 0x100000001B3ULL)) & 0xff);
  std::vector<std::size_t> shape = {std::size_t(d.samples)};
  shape.insert(shape.end(), in.begin(), in.end());
  if (d.encoding == "direct") {
    direct_values(d, true, v, o, shape);
  } else {
    d.data = u8_array(shape, v);
  }
  d.note = "generated: " + std::to_string(d.samples) + " images of uniform random bytes (seed " + std::to_string(o.seed) +
           "), " + d.encoding + " encoding";
  return d;
}

std::vector<std::int32_t> read_labels(const std::string& file, int samples, int classes) {
  npy_array a;
  try {
    a = npy_read(file);
  } catch (const std::exception& e) {
    fail("nir", error_text(e));
  }
  if (a.shape != std::vector<std::size_t>{std::size_t(samples)})
    bad(file, "shape: expected [" + std::to_string(samples) + "] (one label per sample), got " + shape_str(a.shape));
  const std::vector<double> v = as_doubles(a);
  std::vector<std::int32_t> r;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] != std::floor(v[i]) || v[i] < 0 || v[i] >= classes)
      bad(file, "[" + std::to_string(i) + "]: expected a class in [0, " + std::to_string(classes - 1) + "], got " + std::to_string(v[i]));
    r.push_back(std::int32_t(v[i]));
  }
  return r;
}

}  // namespace spiketlm::nir
