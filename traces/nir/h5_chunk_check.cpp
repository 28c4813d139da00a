// Storage layout and chunk checks of the NIR reader (h5_checks.h, h5_vlen_check.md).
#include <zlib.h>

#include "tlm/error.h"
#include "traces/nir/h5_checks.h"

namespace spiketlm::h5 {

namespace {

constexpr std::uint64_t k_max_chunk_positions = std::uint64_t(1) << 20;

// The chunk dimensions and the filter ids of a chunked dataset, in pipeline order.
struct chunking {
  std::vector<hsize_t> dims;
  std::vector<H5Z_filter_t> filters;
};

chunking chunking_of(hid_t ds) {
  chunking c;
  const hid_t dcpl = H5Dget_create_plist(ds);
  if (dcpl < 0) return c;
  hsize_t dims[H5S_MAX_RANK] = {};
  const int rank = H5Pget_chunk(dcpl, H5S_MAX_RANK, dims);
  if (rank > 0) c.dims.assign(dims, dims + rank);
  const int n = H5Pget_nfilters(dcpl);
  for (int i = 0; i < n; ++i) {
    unsigned flags = 0;
    std::size_t nvalues = 0;
    c.filters.push_back(H5Pget_filter2(dcpl, unsigned(i), &flags, &nvalues, nullptr, 0, nullptr, nullptr));
  }
  H5Pclose(dcpl);
  return c;
}

// Whether `in` inflates (zlib stream, as HDF5's deflate filter writes) to exactly `want` bytes.
bool inflates_to(const std::vector<unsigned char>& in, std::uint64_t want) {
  std::vector<unsigned char> out(static_cast<std::size_t>(want) + 1);
  uLongf got = uLongf(out.size());
  return uncompress(out.data(), &got, in.data(), uLong(in.size())) == Z_OK && got == want;
}

// Bytes of one element as stored: the type's size, or for a variable-length string its
// descriptor (a 4-byte length, a heap address of "size of offsets" bytes, a 4-byte index); 0 if
// unreadable.
std::uint64_t stored_element_bytes(hid_t file_id, hid_t ds) {
  const hid_t type = H5Dget_type(ds);
  if (type < 0) return 0;
  const bool vlen = H5Tis_variable_str(type) > 0 || H5Tget_class(type) == H5T_VLEN;
  std::uint64_t n = H5Tget_size(type);
  H5Tclose(type);
  if (!vlen) return n;
  const file_sizes f = sizes_of(file_id);
  return f.ok ? 4 + f.addr_bytes + 4 : 0;
}

}  // namespace

file_sizes sizes_of(hid_t file_id) {
  file_sizes f;
  const hid_t fcpl = H5Fget_create_plist(file_id);
  std::size_t addr = 0, len = 0;
  hsize_t ub = 0;
  f.ok = fcpl >= 0 && H5Pget_sizes(fcpl, &addr, &len) >= 0 && H5Pget_userblock(fcpl, &ub) >= 0 && addr >= 2 &&
         addr <= 8 && len >= 2 && len <= 8;
  if (fcpl >= 0) H5Pclose(fcpl);
  if (f.ok) f.addr_bytes = unsigned(addr), f.len_bytes = unsigned(len), f.user_block = ub;
  return f;
}

storage storage_of(hid_t ds) {
  storage st;
  const hid_t dcpl = H5Dget_create_plist(ds);
  if (dcpl < 0) return st;
  st.layout = H5Pget_layout(dcpl);
  st.filters = st.layout == H5D_CHUNKED ? H5Pget_nfilters(dcpl) : 0;
  st.external = H5Pget_external_count(dcpl);
  hsize_t chunk[H5S_MAX_RANK] = {}, dims[H5S_MAX_RANK] = {}, max[H5S_MAX_RANK] = {};
  const int rank = st.layout == H5D_CHUNKED ? H5Pget_chunk(dcpl, H5S_MAX_RANK, chunk) : 0;
  H5Pclose(dcpl);
  const hid_t space = rank > 0 ? H5Dget_space(ds) : -1;
  if (space >= 0) {
    const bool same = H5Sget_simple_extent_dims(space, dims, max) == rank;
    for (int d = 0; d < rank; ++d) st.chunk_past_extent |= !same || (max[d] != H5S_UNLIMITED && chunk[d] > max[d]);
    H5Sclose(space);
  }
  return st;
}

void each_chunk(hid_t file_id, hid_t ds, const std::function<void(const std::string&)>& bad,
                const std::function<void(const chunk_at&)>& f) {
  const chunking c = chunking_of(ds);
  const hid_t space = H5Dget_space(ds);
  hsize_t dims[H5S_MAX_RANK] = {};
  const int rank = space >= 0 ? H5Sget_simple_extent_dims(space, dims, nullptr) : -1;
  if (space >= 0) H5Sclose(space);
  if (rank <= 0 || std::size_t(rank) != c.dims.size()) bad("an unreadable chunk layout");
  std::uint64_t positions = 1;
  std::vector<hsize_t> grid(std::size_t(rank), 0), at(std::size_t(rank), 0);
  for (int d = 0; d < rank; ++d) {
    if (c.dims[std::size_t(d)] == 0) bad("a chunk of size 0");
    grid[std::size_t(d)] = (dims[d] + c.dims[std::size_t(d)] - 1) / c.dims[std::size_t(d)];
    if (grid[std::size_t(d)] != 0 && positions > k_max_chunk_positions / grid[std::size_t(d)])
      bad("more than 2^20 chunks (expected chunks of at least 1/2^20 of the data, as h5py makes them)");
    positions *= grid[std::size_t(d)];
  }
  const std::uint64_t base = sizes_of(file_id).user_block;
  for (std::uint64_t p = 0; p < positions; ++p) {
    for (std::uint64_t r = p, d = std::uint64_t(rank); d-- > 0;) {
      at[d] = (r % grid[d]) * c.dims[d];
      r /= grid[d];
    }
    unsigned mask = 0;
    haddr_t addr = HADDR_UNDEF;
    hsize_t size = 0;
    if (H5Dget_chunk_info_by_coord(ds, at.data(), &mask, &addr, &size) < 0) bad("an unreadable chunk index");
    if (addr != HADDR_UNDEF) f({base + addr, size, mask});  // HADDR_UNDEF: never written (fill values)
  }
}

void check_chunks(hid_t file_id, hid_t ds, raw_file& raw, const std::string& file, const std::string& dataset) {
  const auto bad = [&](const std::string& what) {
    fail("nir", file + ": " + dataset + ": expected chunks that hold exactly their data, got " + what + " (a damaged file)");
  };
  const chunking c = chunking_of(ds);
  std::uint64_t want = stored_element_bytes(file_id, ds);
  for (const hsize_t d : c.dims) want = d != 0 && want <= (std::uint64_t(1) << 40) / d ? want * d : 0;
  if (want == 0) bad("a chunk whose size is unreadable or past 1 TB");
  const bool deflate = !c.filters.empty() && c.filters.back() == H5Z_FILTER_DEFLATE &&
                       (c.filters.size() == 1 || (c.filters.size() == 2 && c.filters[0] == H5Z_FILTER_SHUFFLE));
  if (!c.filters.empty() && !deflate) bad("filters other than deflate alone or after shuffle (what h5py's gzip writes)");
  std::vector<unsigned char> in;
  each_chunk(file_id, ds, bad, [&](const chunk_at& k) {
    const std::string at = "the chunk at byte " + std::to_string(k.offset);
    if (k.offset > raw.size() || k.bytes > raw.size() - k.offset) bad(at + " past the end of the file");
    if (k.mask != 0) bad(at + " with skipped filters");
    if (!deflate && k.bytes != want)
      bad(at + " storing " + std::to_string(k.bytes) + " bytes of a " + std::to_string(want) + "-byte chunk");
    // deflate expands at most 1032:1 (zlib's technical notes), so a chunk that claims more
    // cannot be one; the output buffer is bounded by that before it is allocated
    if (deflate && (want > 1032 * k.bytes + 1024 || !(raw.read(k.offset, k.bytes, in) && inflates_to(in, want))))
      bad(at + " that does not inflate to its " + std::to_string(want) + " bytes");
  });
}

}  // namespace spiketlm::h5
