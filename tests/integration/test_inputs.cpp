// Files the user names as inputs (tlm/input.h) through the CLI: a device, a FIFO or a
// directory where a regular file is expected is a one-line error at once (was: /dev/zero as
// config read forever, memory growing past 2.9 GB), as is a file above the size limit.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "tests/cli.h"

using namespace spiketlm::test;
namespace fs = std::filesystem;

TEST(Inputs, ADeviceAsConfigIsAOneLineError) {
  const CliResult r = cli("run /dev/zero --quiet");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "spiketlm: error: spiketlm/params: /dev/zero: file: expected a readable YAML file (a regular file), "
                   "got a character device\n");
}

TEST(Inputs, AFifoOrDirectoryAsConfigIsAOneLineErrorWithoutWaiting) {
  const std::string d = scratch("inputs_fifo");
  ASSERT_EQ(::mkfifo((d + "/c.yaml").c_str(), 0600), 0);  // nobody ever writes: a blocking open would hang
  const CliResult f = cli("run " + d + "/c.yaml --quiet");
  EXPECT_EQ(f.code, 1);
  EXPECT_EQ(f.err, "spiketlm: error: spiketlm/params: " + d + "/c.yaml: file: expected a readable YAML file (a regular "
                   "file), got a FIFO\n");
  const CliResult s = cli("sweep " + d);
  EXPECT_EQ(s.code, 1);
  EXPECT_EQ(s.err, "spiketlm: error: spiketlm/sweep: " + d + ": file: expected a sweep file (YAML) (a regular file), got a "
                   "directory\n");
}

TEST(Inputs, AFifoInsideABundleIsAOneLineError) {
  const std::string d = scratch("inputs_bundle");
  fs::copy(source_dir() + "/traces/fmnist_snn", d + "/tr");
  fs::remove(d + "/tr/labels.npy");
  ASSERT_EQ(::mkfifo((d + "/tr/labels.npy").c_str(), 0600), 0);
  const CliResult r = cli("run platforms/sata/sata.yaml --quiet --samples 1 --trace " + d + "/tr");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "spiketlm: error: spiketlm/trace: " + d + "/tr/labels.npy: file: expected a readable .npy file (a "
                   "regular file), got a FIFO\n");
}

TEST(Inputs, AConfigAboveTheSizeLimitIsRefusedBeforeReading) {
  const std::string d = scratch("inputs_big");
  {
    std::ofstream f(d + "/big.yaml");
    f << "# " << std::string((16u << 20) - 2, 'x') << "\n";  // 16 MiB + 1 byte
  }
  ASSERT_EQ(fs::file_size(d + "/big.yaml"), (16u << 20) + 1);
  const CliResult r = cli("run " + d + "/big.yaml --quiet");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "spiketlm: error: spiketlm/params: " + d + "/big.yaml: file: expected a readable YAML file of at most "
                   "16777216 bytes, got 16777217 bytes\n");
}
