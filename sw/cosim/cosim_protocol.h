/* spiketlm co-simulation protocol: an external firmware process talks to the simulated CPU.
 * Plain C; shared by the simulator (sw/cosim/server.cpp) and the client library
 * (sw/cosim/spiketlm_cosim.c). See sw/cosim/README.md.
 *
 * Transport: a stream socket, Unix-domain or loopback TCP. Every request is an 8-byte header
 * {uint32 op, uint32 payload_bytes} and its payload; every response an 8-byte header
 * {uint32 status, uint32 payload_bytes} and its payload. All integers little endian.
 * The first request must be HELLO; the last FINISH. One request at a time (no pipelining).
 */
#ifndef SPIKETLM_COSIM_PROTOCOL_H
#define SPIKETLM_COSIM_PROTOCOL_H
#include <stdint.h>

#define STC_PROTOCOL_VERSION 1u
#define STC_MAGIC 0x534f4353u        /* "SCOS" */
#define STC_MAX_PAYLOAD (64u << 20)  /* larger payloads are malformed */
#define STC_FLAG_HOST 0x1u           /* READ/WRITE through the host backdoor (untimed) */

enum stc_op {
  STC_HELLO = 1,     /* {u32 magic, u32 version} -> stc_hello_reply */
  STC_READ32 = 2,    /* {u64 addr} -> {u32 value}: one timed bus read (a register) */
  STC_WRITE32 = 3,   /* {u64 addr, u32 value} -> {} */
  STC_READ = 4,      /* {u64 addr, u32 bytes, u32 flags} -> bytes of data */
  STC_WRITE = 5,     /* {u64 addr, u32 bytes, u32 flags, data[bytes]} -> {} */
  STC_WAIT_IRQ = 6,  /* {} -> {u64 time_ps}: blocks until the interrupt line is up */
  STC_TIME = 7,      /* {} -> {u64 time_ps}: the CPU's simulated time */
  STC_DELAY = 8,     /* {u64 ps} -> {}: CPU work or sleep */
  STC_LOAD = 9,      /* {} -> stc_load_reply: the simulator lays the trace out in DRAM */
  STC_INPUT = 10,    /* {u32 sample} -> {}: the simulator writes one sample's input (host) */
  STC_RESULT = 11,   /* stc_result_msg + int32 outputs[n_outputs] -> {} */
  STC_FINISH = 12    /* {} -> {}: the firmware is done; the simulation goes on to its report */
};

enum stc_status {
  STC_OK = 0,
  STC_ERR_VERSION = 1,    /* HELLO: payload {u32 the simulator's version}; the run ends */
  STC_ERR_MALFORMED = 2,  /* the run ends */
  STC_ERR_STATE = 3       /* a request out of order (LOAD twice, INPUT before LOAD); the run ends */
};

#pragma pack(push, 4)
typedef struct stc_hello_reply {
  uint32_t version, regmap_version;
  uint32_t timesteps, classes, first_sample, samples, exit_threshold, reserved;
  uint64_t csr_base, dram_base, dram_size;
} stc_hello_reply;

typedef struct stc_load_reply {
  uint64_t desc_addr;   /* the LayerDesc table */
  uint64_t out_addr;    /* int32 [T][classes] outputs of the last layer */
  uint32_t num_layers, reserved;
} stc_load_reply;

typedef struct stc_result_msg {
  uint32_t sample, irq_cause, status, err_code, err_layer, err_field, prediction, exit_timestep;
  uint64_t cycles, dram_bytes, glb_bytes, spikes, spikes_in;
  uint64_t t_start_ps, t_irq_ps;  /* TIME just before the START write and just after WAIT_IRQ */
  uint32_t n_outputs, reserved;
} stc_result_msg;
#pragma pack(pop)

#endif
