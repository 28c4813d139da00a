// spiketlm: checks a variable-length string dataset's references into the HDF5 global heap
// before libhdf5 follows them (h5_vlen_check.md). Internal to the NIR reader (h5.cpp).
#pragma once
#include <hdf5.h>

#include <cstdint>
#include <string>

namespace spiketlm::h5 {

// How a dataset is stored: its layout, the filters of a chunked one, its external files.
struct storage {
  H5D_layout_t layout = H5D_LAYOUT_ERROR;
  int filters = 0, external = 0;
  bool chunk_past_extent = false;  // a chunk larger than a dimension that cannot grow
};
storage storage_of(hid_t ds);  // layout H5D_LAYOUT_ERROR when unreadable

// Throws the reader's one-line error (file: dataset: what) unless every element of `ds` (a
// variable-length string dataset of `elements` elements, in the HDF5 file `file` of
// `file_bytes` bytes opened as `file_id`) is either empty without a heap reference or names an
// object of exactly its length inside a well-formed global heap collection within the file.
void check_vlen_strings(hid_t file_id, hid_t ds, std::uint64_t elements, const std::string& file,
                        std::uintmax_t file_bytes, const std::string& dataset);

}  // namespace spiketlm::h5
