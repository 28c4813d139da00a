// spiketlm accelerator register map and layer descriptor: the one definition shared by the
// hardware (hw/ctrl/csr, hw/ctrl/sequencer) and the firmware (sw/fw). Plain C-compatible
// layout: every field is a little-endian uint32 word, so firmware written in C uses it as is.
//
// Programming model: firmware writes one LayerDesc per layer into memory (DRAM), writes the
// table's address and count and the run settings into the registers, then sets CTRL.START.
// The sequencer fetches the descriptors, runs the network for TIMESTEPS timesteps with the
// configured dataflow, writes the output layer's per-timestep accumulations to OUT_ADDR and
// raises IRQ (STATUS.DONE). A descriptor the hardware cannot run is refused: STATUS.ERROR,
// ERR_CODE and ERR_LAYER / ERR_FIELD say which layer and which word.
#ifndef SPIKETLM_ACCEL_REGS_H
#define SPIKETLM_ACCEL_REGS_H
#include <stdint.h>

#ifdef __cplusplus
namespace spiketlm {
#endif

/* Register word offsets (byte address = base + 4 * index). */
enum spiketlm_reg {
  REG_ID = 0,            /* RO: 0x5350544c ("SPTL") */
  REG_VERSION = 1,       /* RO: register map version */
  REG_CTRL = 2,          /* WO: bit0 START, bit1 IRQ_ACK */
  REG_STATUS = 3,        /* RO: bit0 BUSY, bit1 DONE, bit2 ERROR, bit3 EXITED_EARLY */
  REG_DESC_ADDR_LO = 4,  /* descriptor table address */
  REG_DESC_ADDR_HI = 5,
  REG_NUM_LAYERS = 6,
  REG_TIMESTEPS = 7,
  REG_OUT_ADDR_LO = 8,   /* int32 [T][classes] output accumulations */
  REG_OUT_ADDR_HI = 9,
  REG_EXIT_THRESHOLD = 10, /* exit unit threshold, Q0.16 (0 = exit disabled) */
  REG_ERR_CODE = 11,     /* RO */
  REG_ERR_LAYER = 12,    /* RO */
  REG_ERR_FIELD = 13,    /* RO: word index in LayerDesc */
  REG_EXIT_TIMESTEP = 14,/* RO: timesteps run (1..T) */
  REG_PREDICTION = 15,   /* RO: argmax of the accumulated outputs */
  REG_CYCLES_LO = 16,    /* RO: performance counters of the last run */
  REG_CYCLES_HI = 17,
  REG_DRAM_BYTES_LO = 18,
  REG_DRAM_BYTES_HI = 19,
  REG_SPIKES_LO = 20,
  REG_SPIKES_HI = 21,
  REG_COUNT = 22
};

#define SPIKETLM_ID 0x5350544cu
#define SPIKETLM_REGMAP_VERSION 1u
#define CTRL_START 0x1u
#define CTRL_IRQ_ACK 0x2u
#define STATUS_BUSY 0x1u
#define STATUS_DONE 0x2u
#define STATUS_ERROR 0x4u
#define STATUS_EXITED_EARLY 0x8u

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

/* One layer. Tensors in memory:
 *  spike / multi-bit maps: [T?][planes][C][H][pitch] bits, pitch = ceil(W/8) bytes per row
 *  weights: tiled for the PE array, [ceil(K/cols)][Cin*kh*kw][cols] int8, zero padded
 *  fixed point: int32 multiplier[K], int32 offset[K]
 *  membranes: [K][OH][OW], ceil(membrane_bits/8) bytes each, little endian */
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
} LayerDesc;

#define LAYERDESC_WORDS (sizeof(LayerDesc) / 4)
#define DESC_IN2_SPIKES 0x10u   /* ADD: the second operand is a spike map (else int32) */

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
