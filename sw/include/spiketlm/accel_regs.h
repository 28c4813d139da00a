// spiketlm accelerator register map and layer descriptor: the one definition shared by the
// hardware (hw/ctrl/csr, hw/ctrl/sequencer, hw/imc/imc_controller) and the firmware (sw/fw,
// sw/cosim). Plain C (C99) and C++: every field is a little-endian uint32 word, so firmware
// written in C uses it as is. The reference table is REGISTERS.md beside this file; a test
// (tests/unit/test_regmap.cpp) checks that it lists exactly the registers below.
//
// Programming model: firmware writes one LayerDesc per layer into memory (DRAM), writes the
// table's address and count and the run settings into the registers, then sets CTRL.START.
// The sequencer fetches the descriptors, runs the network for TIMESTEPS timesteps (fewer if
// the exit unit stops it early: STATUS.EXITED_EARLY, EXIT_TIMESTEP), writes the output
// layer's per-timestep accumulations to the output layer's out address and raises the
// interrupt with its cause in IRQ_CAUSE (DONE / EXITED_EARLY / ERROR). A descriptor the
// hardware cannot run is refused: STATUS.ERROR, ERR_CODE and ERR_LAYER / ERR_FIELD say which
// layer and which word; nothing runs.
//
// Shadow and active banks: the run-setting registers (access RWS) are double-buffered.
// Firmware writes and reads the shadow copy; CTRL.START (accepted only when not BUSY) latches
// every shadow register into the active copy, and the hardware reads only the active copy.
// So firmware may program the next run while one is running; a START while BUSY is ignored.
#ifndef SPIKETLM_ACCEL_REGS_H
#define SPIKETLM_ACCEL_REGS_H
#include <stdint.h>

#ifdef __cplusplus
namespace spiketlm {
#endif

/* Access kinds. RO: read-only (writes answer a bus error); RW: read/write; RWS: read/write,
 * shadowed (latched into the active bank at START); WO: write-only (reads return 0);
 * W1C: read, write 1 to clear a bit. */
enum spiketlm_access { ACC_RO = 0, ACC_RW = 1, ACC_RWS = 2, ACC_WO = 3, ACC_W1C = 4 };

/* The register list: X(NAME, word index, access, reset value, description).
 * Byte address = base + 4 * index. */
#define SPIKETLM_REGISTERS(X)                                                                     \
  X(ID, 0, RO, 0x5350544cu, "identification, \"SPTL\"")                                           \
  X(VERSION, 1, RO, 2u, "register map version (SPIKETLM_REGMAP_VERSION)")                        \
  X(CTRL, 2, WO, 0u, "bit0 START (latch the shadow bank, run), bit1 IRQ_ACK (clear cause, status, line)") \
  X(STATUS, 3, RO, 0u, "bit0 BUSY, bit1 DONE, bit2 ERROR, bit3 EXITED_EARLY")                     \
  X(DESC_ADDR_LO, 4, RWS, 0u, "descriptor table address, low word")                               \
  X(DESC_ADDR_HI, 5, RWS, 0u, "descriptor table address, high word")                              \
  X(NUM_LAYERS, 6, RWS, 0u, "descriptors in the table (1..4096)")                                 \
  X(TIMESTEPS, 7, RWS, 0u, "timesteps to run (1..64)")                                            \
  X(OUT_ADDR_LO, 8, RWS, 0u, "int32 [T][classes] output accumulations, low word (informative)")   \
  X(OUT_ADDR_HI, 9, RWS, 0u, "output address, high word")                                         \
  X(EXIT_THRESHOLD, 10, RWS, 0u, "exit unit entropy threshold, Q0.16 (0 = early exit disabled)")  \
  X(ERR_CODE, 11, RO, 0u, "why the last run was refused (spiketlm_err)")                          \
  X(ERR_LAYER, 12, RO, 0u, "descriptor index of the refused layer")                               \
  X(ERR_FIELD, 13, RO, 0u, "word index in LayerDesc of the refused field (or the register)")      \
  X(EXIT_TIMESTEP, 14, RO, 0u, "timesteps the last run ran (1..T; < T after an early exit)")      \
  X(PREDICTION, 15, RO, 0u, "argmax of the accumulated outputs (ties to the lowest class)")       \
  X(CYCLES_LO, 16, RO, 0u, "accelerator cycles of the last run, START to interrupt, low word")    \
  X(CYCLES_HI, 17, RO, 0u, "cycles, high word")                                                   \
  X(DRAM_BYTES_LO, 18, RO, 0u, "DRAM bytes moved by the last run, low word")                      \
  X(DRAM_BYTES_HI, 19, RO, 0u, "DRAM bytes, high word")                                           \
  X(SPIKES_LO, 20, RO, 0u, "output spikes fired by the last run, low word")                       \
  X(SPIKES_HI, 21, RO, 0u, "output spikes, high word")                                            \
  X(DATAFLOW, 22, RO, 0u, "dataflow the hardware runs (spiketlm_dataflow)")                       \
  X(IRQ_CAUSE, 23, W1C, 0u, "bit0 DONE, bit1 EXITED_EARLY, bit2 ERROR: why the interrupt fired")  \
  X(IRQ_ENABLE, 24, RW, 0x7u, "interrupt enable mask over IRQ_CAUSE bits")                        \
  X(GLB_BYTES_LO, 25, RO, 0u, "global-buffer bytes moved by the last run, low word")              \
  X(GLB_BYTES_HI, 26, RO, 0u, "global-buffer bytes, high word")                                   \
  X(SPIKES_IN_LO, 27, RO, 0u, "input spikes consumed by the last run, low word")                  \
  X(SPIKES_IN_HI, 28, RO, 0u, "input spikes, high word")

/* Register word offsets (byte address = base + 4 * index). */
enum spiketlm_reg {
#define SPIKETLM_X_ENUM(name, index, access, reset, doc) REG_##name = index,
  SPIKETLM_REGISTERS(SPIKETLM_X_ENUM)
#undef SPIKETLM_X_ENUM
  REG_COUNT = 29
};

#define SPIKETLM_ID 0x5350544cu
#define SPIKETLM_REGMAP_VERSION 2u
#define CTRL_START 0x1u
#define CTRL_IRQ_ACK 0x2u
#define STATUS_BUSY 0x1u
#define STATUS_DONE 0x2u
#define STATUS_ERROR 0x4u
#define STATUS_EXITED_EARLY 0x8u
#define IRQ_DONE 0x1u
#define IRQ_EXITED_EARLY 0x2u
#define IRQ_ERROR 0x4u
#define IRQ_ALL 0x7u

/* DATAFLOW register values. */
enum spiketlm_dataflow {
  DATAFLOW_NONE = 0,
  DATAFLOW_OS = 1,          /* output stationary: every layer once per timestep */
  DATAFLOW_WS = 2,          /* weight stationary */
  DATAFLOW_TICK_BATCH = 3,  /* SATA tick-batch: all timesteps against one weight tile */
  DATAFLOW_IMC = 4,         /* in-memory computing: weights resident in crossbars */
  DATAFLOW_IS = 5,          /* input stationary */
  DATAFLOW_SPATIAL = 6      /* spatial: weights resident in the cores' memories (NorthPole) */
};

/* Name, access and reset value of register `r` (NULL / -1 / 0 for an unknown index). */
static inline const char* spiketlm_reg_name(int r) {
  switch (r) {
#define SPIKETLM_X_NAME(name, index, access, reset, doc) case index: return #name;
    SPIKETLM_REGISTERS(SPIKETLM_X_NAME)
#undef SPIKETLM_X_NAME
    default: return 0;
  }
}
static inline int spiketlm_reg_access(int r) {
  switch (r) {
#define SPIKETLM_X_ACC(name, index, access, reset, doc) case index: return ACC_##access;
    SPIKETLM_REGISTERS(SPIKETLM_X_ACC)
#undef SPIKETLM_X_ACC
    default: return -1;
  }
}
static inline uint32_t spiketlm_reg_reset(int r) {
  switch (r) {
#define SPIKETLM_X_RESET(name, index, access, reset, doc) case index: return reset;
    SPIKETLM_REGISTERS(SPIKETLM_X_RESET)
#undef SPIKETLM_X_RESET
    default: return 0;
  }
}

enum spiketlm_err {
  ERR_NONE = 0,
  ERR_BAD_OPCODE = 1,
  ERR_BAD_SHAPE = 2,     /* geometry inconsistent or zero */
  ERR_NO_FIT = 3,        /* a tile does not fit the buffers */
  ERR_BAD_PARAM = 4,     /* a neuron / fixed-point parameter out of range */
  ERR_BAD_ADDRESS = 5    /* a tensor address decodes to no memory */
};

enum spiketlm_op { OP_CONV = 1, OP_LINEAR = 2, OP_MAXPOOL = 3, OP_AVGPOOL = 4, OP_ADD = 5 };

/* flags */
#define DESC_FIRES 0x1u         /* LIF/IF after the accumulation; else: output layer */
#define DESC_HARD_RESET 0x2u
#define DESC_SIGNED_INPUT 0x4u  /* multi-bit input planes are two's complement */
#define DESC_INPUT_PER_T 0x8u   /* a separate input map per timestep (else one for all) */
#define DESC_RELU 0x20u         /* with DESC_FIRES: ANN ReLU + requantize to act_bits (no membrane) */
#define DESC_OUT_FX 0x40u       /* without DESC_FIRES (output layer): its int32 outputs are the
                                   fixed point of the accumulations, (acc x mult + offset) >> fx_shift
                                   (the output bias); else the accumulations as they are */
#define DESC_OUT_LEAK 0x80u     /* without DESC_FIRES (output layer): the argmax and exit units keep
                                   its outputs as a leaky readout membrane per class,
                                   z = ((z x leak_num) >> leak_shift) + out (leak_shift <= 16,
                                   leak_num <= 2^leak_shift); else their running sum */

/* One layer. Tensors in memory:
 *  spike / multi-bit maps: [T?][planes][C][H][pitch] bits, pitch = ceil(W/8) bytes per row
 *  weights: tiled for the PE array, [ceil(K/cols)][Cin*kh*kw][cols] int8, zero padded
 *  fixed point: int32 multiplier[K], int32 offset[K]
 *  membranes: [K][OH][OW], ceil(membrane_bits/8) bytes each, little endian
 * ADD: operand 1 (in_addr) int32 [T][K][H][W]; operand 2 (in2_addr) per DESC_IN2_SPIKES, its
 * planes in in_planes; with DESC_RELU the sum is ReLU-requantized and the output has act_bits
 * planes. */
typedef struct LayerDesc {
  uint32_t op, flags;
  uint32_t in_c, in_h, in_w, in_planes;
  uint32_t out_c, out_h, out_w;
  uint32_t kh, kw, stride, pad;
  uint32_t in_addr_lo, in_addr_hi, in2_addr_lo, in2_addr_hi;  /* in2: second operand of ADD */
  uint32_t out_addr_lo, out_addr_hi;
  uint32_t w_addr_lo, w_addr_hi;
  uint32_t fx_addr_lo, fx_addr_hi, fx_shift;
  uint32_t mem_addr_lo, mem_addr_hi;
  uint32_t threshold, leak_num, leak_shift, lif_share;
  uint32_t layer_id;
  uint32_t out_scale_q24;  /* output layer: real logit = accumulation x scale, Q8.24 (exit unit) */
  uint32_t act_bits;       /* DESC_RELU: output activation bits (1..8), the output map's planes */
} LayerDesc;

#define LAYERDESC_WORDS (sizeof(LayerDesc) / 4)
/* ADD: the second operand is a bit-plane map of in_planes planes (spikes: 1; ANN activations
 * after a ReLU: its act_bits), else an int32 accumulation map and in_planes must be 1. */
#define DESC_IN2_SPIKES 0x10u

/* Name of LayerDesc word `w` (for ERR_FIELD), NULL past the end. */
static inline const char* spiketlm_desc_field_name(uint32_t w) {
  static const char* const names[] = {
      "op", "flags", "in_c", "in_h", "in_w", "in_planes", "out_c", "out_h", "out_w", "kh", "kw",
      "stride", "pad", "in_addr_lo", "in_addr_hi", "in2_addr_lo", "in2_addr_hi", "out_addr_lo",
      "out_addr_hi", "w_addr_lo", "w_addr_hi", "fx_addr_lo", "fx_addr_hi", "fx_shift", "mem_addr_lo",
      "mem_addr_hi", "threshold", "leak_num", "leak_shift", "lif_share", "layer_id", "out_scale_q24",
      "act_bits"};
  return w < sizeof(names) / sizeof(names[0]) ? names[w] : 0;
}

/* A descriptor's 64-bit DRAM address from its two words (the *_addr_lo / *_addr_hi pairs). */
static inline uint64_t spiketlm_desc_addr(uint32_t lo, uint32_t hi) { return (uint64_t)lo | (uint64_t)hi << 32; }

/* Bit planes of an average-pool output: enough for the largest window sum. */
static inline uint32_t spiketlm_avgpool_planes(uint32_t kh, uint32_t kw, uint32_t in_planes) {
  const uint32_t max_sum = kh * kw * ((1u << in_planes) - 1u);
  uint32_t p = 1;
  while ((1u << p) <= max_sum) ++p;
  return p;
}

#ifdef __cplusplus
}  // namespace spiketlm
#endif
#endif
