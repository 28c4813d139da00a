/* spiketlm example external firmware: runs the simulator's trace end to end over the
 * co-simulation socket, the same register sequence as the default runtime (sw/fw/runtime.h),
 * so outputs, counters and simulated time equal an in-process run.
 *
 *   spiketlm run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 2 \
 *       --firmware external --cosim-exec build/spiketlm_example_fw
 *
 * What it asks the simulator for: the trace's layout in DRAM (LOAD: tensors, weights and the
 * descriptor table; the firmware gets their addresses) and each sample's input (INPUT). What
 * it does itself: every register access, START, the interrupt wait, early-exit handling, the
 * output read-back, and the result it reports (RESULT).
 *
 * Options (for tests): --misbehave MODE, --pidfile FILE. MODE: malformed (an unknown op),
 * disconnect (gone in the middle of a run), hang, version (another protocol version), hello
 * (HELLO, then gone), noresult (FINISH without RESULT), negdelay (DELAY of -1 as unsigned),
 * overflow (DELAY past the end of simulated time), prediction (a class that does not exist),
 * sample (a RESULT for a sample that is not the run's), stdout (prints on its standard output,
 * then runs normally).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sw/cosim/spiketlm_cosim.h"

static stc_conn* g_c;

static void check(int rc, const char* what) {
  if (rc == 0) return;
  fprintf(stderr, "example_fw: %s: %s\n", what, stc_error(g_c));
  stc_close(g_c);
  exit(1);
}

static uint32_t rd(uint64_t csr, int reg) {
  uint32_t v = 0;
  check(stc_reg_read(g_c, csr, reg, &v), spiketlm_reg_name(reg));
  return v;
}
static uint64_t rd64(uint64_t csr, int lo) {
  const uint64_t l = rd(csr, lo);
  return l | (uint64_t)rd(csr, lo + 1) << 32;
}
static void wr(uint64_t csr, int reg, uint32_t v) { check(stc_reg_write(g_c, csr, reg, v), spiketlm_reg_name(reg)); }

int main(int argc, char** argv) {
  const char* misbehave = "";
  const char* err = NULL;
  stc_hello_reply info;
  stc_load_reply lay;
  uint32_t s;
  int i;
  for (i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--misbehave") && i + 1 < argc) misbehave = argv[++i];
    else if (!strcmp(argv[i], "--pidfile") && i + 1 < argc) {
      FILE* f = fopen(argv[++i], "w");
      if (f) {
        fprintf(f, "%ld\n", (long)getpid());
        fclose(f);
      }
    } else {
      fprintf(stderr, "usage: %s [--misbehave MODE] [--pidfile FILE]\n", argv[0]);
      return 2;
    }
  }
  if (!strcmp(misbehave, "version")) {
    /* Speak a protocol version the simulator does not know: it refuses and ends the run. */
    g_c = stc_connect_version(NULL, 999, &info, &err);
    return g_c ? 1 : 0;
  }
  if (!strcmp(misbehave, "stdout")) {
    printf("example_fw: this line is the firmware's standard output\n");
    fflush(stdout);
  }
  g_c = stc_connect(NULL, &info, &err);
  if (!g_c) {
    fprintf(stderr, "example_fw: cannot connect: %s\n", err);
    return 1;
  }
  if (!strcmp(misbehave, "hello")) {
    stc_close(g_c); /* a session of one message */
    return 0;
  }
  if (info.regmap_version != SPIKETLM_REGMAP_VERSION) {
    fprintf(stderr, "example_fw: register map version %u, built for %u\n", info.regmap_version, SPIKETLM_REGMAP_VERSION);
    return 1;
  }
  check(stc_load(g_c, &lay), "LOAD");
  if (!strcmp(misbehave, "noresult")) return stc_finish(g_c) == 0 ? 0 : 1;
  if (!strcmp(misbehave, "negdelay")) return stc_delay(g_c, ~(uint64_t)0) == 0 ? 0 : 1;
  if (!strcmp(misbehave, "overflow")) return stc_delay(g_c, (uint64_t)0x7fffffffffffffffull) == 0 ? 0 : 1;
  const uint64_t csr = info.csr_base;
  for (s = info.first_sample; s < info.first_sample + info.samples; ++s) {
    stc_result_msg r;
    int32_t* out;
    memset(&r, 0, sizeof r);
    r.sample = s;
    check(stc_input(g_c, s), "INPUT");
    wr(csr, REG_DESC_ADDR_LO, (uint32_t)lay.desc_addr);
    wr(csr, REG_DESC_ADDR_HI, (uint32_t)(lay.desc_addr >> 32));
    wr(csr, REG_NUM_LAYERS, lay.num_layers);
    wr(csr, REG_TIMESTEPS, info.timesteps);
    wr(csr, REG_OUT_ADDR_LO, (uint32_t)lay.out_addr);
    wr(csr, REG_OUT_ADDR_HI, (uint32_t)(lay.out_addr >> 32));
    wr(csr, REG_EXIT_THRESHOLD, info.exit_threshold);
    check(stc_time(g_c, &r.t_start_ps), "TIME");
    wr(csr, REG_CTRL, CTRL_START);
    if (!strcmp(misbehave, "malformed")) {
      uint32_t junk = 0xdeadbeef;
      stc_request(g_c, 77, &junk, 4, NULL, 0); /* an op that does not exist */
      return 0;
    }
    if (!strcmp(misbehave, "disconnect")) {
      stc_close(g_c); /* gone in the middle of a run */
      return 0;
    }
    if (!strcmp(misbehave, "hang")) {
      for (;;) pause(); /* the simulator's timeout kills us */
    }
    check(stc_wait_irq(g_c, &r.t_irq_ps), "WAIT_IRQ");
    r.irq_cause = rd(csr, REG_IRQ_CAUSE);
    r.status = rd(csr, REG_STATUS);
    r.err_code = rd(csr, REG_ERR_CODE);
    r.err_layer = rd(csr, REG_ERR_LAYER);
    r.err_field = rd(csr, REG_ERR_FIELD);
    r.prediction = rd(csr, REG_PREDICTION);
    r.exit_timestep = rd(csr, REG_EXIT_TIMESTEP);
    r.cycles = rd64(csr, REG_CYCLES_LO);
    r.dram_bytes = rd64(csr, REG_DRAM_BYTES_LO);
    r.glb_bytes = rd64(csr, REG_GLB_BYTES_LO);
    r.spikes = rd64(csr, REG_SPIKES_LO);
    r.spikes_in = rd64(csr, REG_SPIKES_IN_LO);
    out = NULL;
    if (!(r.status & STATUS_ERROR)) {
      /* After an early exit only the timesteps run have outputs. */
      uint32_t t = info.timesteps;
      if ((r.status & STATUS_EXITED_EARLY) && r.exit_timestep >= 1 && r.exit_timestep <= t) t = r.exit_timestep;
      r.n_outputs = t * info.classes;
      out = (int32_t*)malloc(4u * r.n_outputs + 4u);
      check(stc_read(g_c, lay.out_addr, out, 4u * r.n_outputs, 0), "READ outputs");
    }
    wr(csr, REG_CTRL, CTRL_IRQ_ACK);
    if (!strcmp(misbehave, "prediction")) r.prediction = 12345;
    if (!strcmp(misbehave, "sample")) r.sample = 99999;
    check(stc_result(g_c, &r, out), "RESULT");
    free(out);
  }
  check(stc_finish(g_c), "FINISH");
  stc_close(g_c);
  return 0;
}
