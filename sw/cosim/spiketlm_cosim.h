/* spiketlm co-simulation client: firmware compiled natively (C99) talks to the simulated CPU.
 *
 *   stc_conn* c = stc_connect(NULL, &info);    // NULL: the address in $SPIKETLM_COSIM
 *   stc_write32(c, info.csr_base + 4 * REG_CTRL, CTRL_START);
 *   stc_wait_irq(c, &t_ps);
 *   ...
 *   stc_finish(c);  stc_close(c);
 *
 * Every call is one request and its response (sw/cosim/cosim_protocol.h). Calls return 0 on
 * success and -1 on failure (stc_error() says why); after a failure the connection is dead.
 * Addresses: "unix:PATH" or "tcp:127.0.0.1:PORT". stc_connect retries for up to 10 s while
 * the simulator is not listening yet.
 */
#ifndef SPIKETLM_COSIM_H
#define SPIKETLM_COSIM_H
#include <stddef.h>
#include <stdint.h>

#include "sw/cosim/cosim_protocol.h"
#include "sw/include/spiketlm/accel_regs.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct stc_conn stc_conn;

/* Connect and say HELLO with this library's protocol version. NULL on failure (message on *err
 * if err is not NULL: a static string). */
stc_conn* stc_connect(const char* address, stc_hello_reply* info, const char** err);
/* The same with an explicit protocol version (tests of the version check). */
stc_conn* stc_connect_version(const char* address, uint32_t version, stc_hello_reply* info, const char** err);
const char* stc_error(const stc_conn* c);
void stc_close(stc_conn* c);

int stc_read32(stc_conn* c, uint64_t addr, uint32_t* value);
int stc_write32(stc_conn* c, uint64_t addr, uint32_t value);
/* Buffers: timed bus transfers, or through the host backdoor with STC_FLAG_HOST. */
int stc_read(stc_conn* c, uint64_t addr, void* data, uint32_t bytes, uint32_t flags);
int stc_write(stc_conn* c, uint64_t addr, const void* data, uint32_t bytes, uint32_t flags);
/* Block until the accelerator's interrupt; *time_ps: simulated time when it was taken. */
int stc_wait_irq(stc_conn* c, uint64_t* time_ps);
int stc_time(stc_conn* c, uint64_t* time_ps);
int stc_delay(stc_conn* c, uint64_t ps);
/* Ask the simulator to lay the trace out in DRAM (tensors, descriptor table) / write one
 * sample's input. */
int stc_load(stc_conn* c, stc_load_reply* layout);
int stc_input(stc_conn* c, uint32_t sample);
/* Report one sample's result (the simulator's report is built from these). */
int stc_result(stc_conn* c, const stc_result_msg* r, const int32_t* outputs);
int stc_finish(stc_conn* c);
/* Raw request (tests of malformed messages): sends the header and payload as given. */
int stc_request(stc_conn* c, uint32_t op, const void* payload, uint32_t bytes, void* reply, uint32_t reply_bytes);

/* Register helpers. */
static inline int stc_reg_write(stc_conn* c, uint64_t csr, int reg, uint32_t v) {
  return stc_write32(c, csr + 4u * (unsigned)reg, v);
}
static inline int stc_reg_read(stc_conn* c, uint64_t csr, int reg, uint32_t* v) {
  return stc_read32(c, csr + 4u * (unsigned)reg, v);
}

#ifdef __cplusplus
}
#endif
#endif
