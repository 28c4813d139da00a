// spiketlm: what the NIR reader checks in an HDF5 file itself before libhdf5 reads a dataset
// (h5_vlen_check.md): libhdf5 1.10.8 follows sizes and references it never checks, and fuzzing
// found it looping, reading past blocks and copying from freed memory. Internal to h5.cpp.
#pragma once
#include <hdf5.h>

#include <cstdint>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

namespace spiketlm::h5 {

// The file's "size of offsets" and "size of lengths" (its superblock) and its user block
// (heap and chunk addresses are relative to the superblock after it); ok false when unreadable or
// outside 2..8 bytes.
struct file_sizes {
  unsigned addr_bytes = 8, len_bytes = 8;
  std::uint64_t user_block = 0;
  bool ok = false;
};
file_sizes sizes_of(hid_t file_id);

// How a dataset is stored: its layout, the filters of a chunked one, its external files.
struct storage {
  H5D_layout_t layout = H5D_LAYOUT_ERROR;
  int filters = 0, external = 0;
  bool chunk_past_extent = false;  // a chunk larger than a dimension that cannot grow
};
storage storage_of(hid_t ds);  // layout H5D_LAYOUT_ERROR when unreadable

// Bytes of the file read directly (not through libhdf5). read() is false past the end.
class raw_file {
 public:
  raw_file(const std::string& path, std::uintmax_t bytes) : m_in(path, std::ios::binary), m_bytes(bytes) {}
  bool open() const { return bool(m_in); }
  std::uintmax_t size() const { return m_bytes; }
  bool read(std::uint64_t offset, std::uint64_t n, std::vector<unsigned char>& out) {
    if (offset > m_bytes || n > m_bytes - offset) return false;
    out.resize(static_cast<std::size_t>(n));
    m_in.clear();
    m_in.seekg(static_cast<std::streamoff>(offset));
    return n == 0 || bool(m_in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(n)));
  }

 private:
  std::ifstream m_in;
  std::uintmax_t m_bytes;
};

// A stored chunk: its file offset (the user block added), stored bytes, skipped-filter mask.
struct chunk_at {
  std::uint64_t offset = 0, bytes = 0;
  unsigned mask = 0;
};
// Calls `f` for every allocated chunk of chunked `ds`, looked up by its coordinates; throws the
// reader's one-line error (`bad`) when the chunk grid or index is unreadable or has more than
// 2^20 positions.
void each_chunk(hid_t file_id, hid_t ds, const std::function<void(const std::string&)>& bad,
                const std::function<void(const chunk_at&)>& f);

// Throws the reader's one-line error (file: dataset: what) unless every stored chunk of chunked
// `ds` holds exactly its chunk's bytes: stored so when unfiltered, inflating to them when
// compressed with deflate (alone or after shuffle; other filters are refused).
void check_chunks(hid_t file_id, hid_t ds, raw_file& raw, const std::string& file, const std::string& dataset);

// Throws the reader's one-line error (file: group or object path: what) unless the file's
// superblock and, from it, every old-style group (object header, symbol table message, B-tree,
// symbol table nodes, local heap) and every member's object header framing are intact: read
// from the file's bytes before libhdf5 opens it (h5_group_check.cpp, h5_group_check.md).
void check_groups(raw_file& raw, const std::string& file);

// What is wrong with one message of a version 1 object header (type, flags, its `n` data bytes,
// the file's address and length sizes), as a phrase for check_groups' error; empty when nothing
// is: the dataset messages libhdf5 decodes on opening a dataset (dataspace, datatype, fill value,
// layout, filter pipeline) must fit their message and be of what the reader reads; external
// file lists and shared copies of these are refused (h5_message_check.cpp).
std::string check_message(unsigned type, unsigned flags, const unsigned char* d, std::uint64_t n, unsigned o,
                          unsigned l);

// Throws the reader's one-line error unless every element of `ds` (a variable-length string
// dataset of `elements` elements) is either empty without a heap reference or names an object of
// exactly its length inside a well-formed global heap collection within the file.
void check_vlen_strings(hid_t file_id, hid_t ds, std::uint64_t elements, raw_file& raw, const std::string& file,
                        const std::string& dataset);

}  // namespace spiketlm::h5
