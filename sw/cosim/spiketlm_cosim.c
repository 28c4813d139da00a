/* spiketlm co-simulation client library. See spiketlm_cosim.h. */
#define _POSIX_C_SOURCE 200809L
#include "sw/cosim/spiketlm_cosim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

struct stc_conn {
  int fd;
  char err[256];
};

static int fail(stc_conn* c, const char* fmt, const char* detail) {
  snprintf(c->err, sizeof c->err, fmt, detail ? detail : "");
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
  return -1;
}

static int send_all(stc_conn* c, const void* buf, size_t n) {
  const uint8_t* p = (const uint8_t*)buf;
  while (n) {
    ssize_t k = send(c->fd, p, n, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return fail(c, "send: %s", strerror(errno));
    p += k;
    n -= (size_t)k;
  }
  return 0;
}

static int recv_all(stc_conn* c, void* buf, size_t n) {
  uint8_t* p = (uint8_t*)buf;
  while (n) {
    ssize_t k = recv(c->fd, p, n, 0);
    if (k < 0 && errno == EINTR) continue;
    if (k == 0) return fail(c, "the simulator closed the connection%s", "");
    if (k < 0) return fail(c, "receive: %s", strerror(errno));
    p += k;
    n -= (size_t)k;
  }
  return 0;
}

/* One request; the reply's payload must be exactly reply_bytes long. */
static int request2(stc_conn* c, uint32_t op, const void* a, uint32_t na, const void* b, uint32_t nb, void* reply,
                    uint32_t reply_bytes) {
  uint32_t h[2];
  uint32_t rh[2];
  if (!c || c->fd < 0) return -1;
  h[0] = op;
  h[1] = na + nb;
  if (na <= 56) { /* header and a small payload in one segment */
    uint8_t buf[64];
    memcpy(buf, h, 8);
    if (na) memcpy(buf + 8, a, na);
    if (send_all(c, buf, 8 + na)) return -1;
  } else if (send_all(c, h, 8) || send_all(c, a, na)) {
    return -1;
  }
  if (nb && send_all(c, b, nb)) return -1;
  if (recv_all(c, rh, 8)) return -1;
  if (rh[0] != STC_OK) {
    char why[64];
    if (rh[0] == STC_ERR_VERSION && rh[1] == 4) {
      uint32_t v = 0;
      if (recv_all(c, &v, 4)) return -1;
      snprintf(why, sizeof why, "protocol version mismatch (simulator: %u)", (unsigned)v);
    } else {
      snprintf(why, sizeof why, "the simulator refused the request (status %u)", (unsigned)rh[0]);
    }
    return fail(c, "%s", why);
  }
  if (rh[1] != reply_bytes) return fail(c, "unexpected reply size%s", "");
  if (reply_bytes && recv_all(c, reply, reply_bytes)) return -1;
  return 0;
}

int stc_request(stc_conn* c, uint32_t op, const void* payload, uint32_t bytes, void* reply, uint32_t reply_bytes) {
  return request2(c, op, payload, bytes, NULL, 0, reply, reply_bytes);
}

static int open_socket(stc_conn* c, const char* address) {
  if (strncmp(address, "unix:", 5) == 0) {
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (strlen(address + 5) >= sizeof sa.sun_path) return fail(c, "socket path too long: %s", address);
    strcpy(sa.sun_path, address + 5);
    c->fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (c->fd < 0) return fail(c, "socket: %s", strerror(errno));
    if (connect(c->fd, (struct sockaddr*)&sa, sizeof sa) == 0) return 0;
  } else if (strncmp(address, "tcp:", 4) == 0) {
    const char* colon = strrchr(address + 4, ':');
    struct sockaddr_in sa;
    if (!colon) return fail(c, "expected tcp:127.0.0.1:PORT, got %s", address);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)atoi(colon + 1));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0) return fail(c, "socket: %s", strerror(errno));
    if (connect(c->fd, (struct sockaddr*)&sa, sizeof sa) == 0) {
      const int one = 1; /* one small request at a time: no Nagle delay */
      setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      return 0;
    }
  } else {
    return fail(c, "expected unix:PATH or tcp:127.0.0.1:PORT, got '%s'", address);
  }
  return fail(c, "connect: %s", strerror(errno));
}

stc_conn* stc_connect_version(const char* address, uint32_t version, stc_hello_reply* info, const char** err) {
  static char msg[256];
  stc_conn* c = (stc_conn*)calloc(1, sizeof *c);
  uint32_t hello[2];
  int tries;
  if (!address) address = getenv("SPIKETLM_COSIM");
  if (!address) {
    if (err) *err = "no address: set SPIKETLM_COSIM=unix:PATH or tcp:127.0.0.1:PORT";
    free(c);
    return NULL;
  }
  c->fd = -1;
  for (tries = 0; tries < 200; ++tries) { /* 10 s while the simulator is not listening yet */
    struct timespec ts = {0, 50000000};
    if (open_socket(c, address) == 0) break;
    if (strncmp(address, "unix:", 5) != 0 && strncmp(address, "tcp:", 4) != 0) break;
    nanosleep(&ts, NULL);
  }
  if (c->fd >= 0) {
    hello[0] = STC_MAGIC;
    hello[1] = version;
    if (request2(c, STC_HELLO, hello, 8, NULL, 0, info, sizeof *info) == 0) return c;
  }
  snprintf(msg, sizeof msg, "%s", c->err);
  if (err) *err = msg;
  free(c);
  return NULL;
}

stc_conn* stc_connect(const char* address, stc_hello_reply* info, const char** err) {
  return stc_connect_version(address, STC_PROTOCOL_VERSION, info, err);
}

const char* stc_error(const stc_conn* c) { return c ? c->err : "no connection"; }

void stc_close(stc_conn* c) {
  if (!c) return;
  if (c->fd >= 0) close(c->fd);
  free(c);
}

int stc_read32(stc_conn* c, uint64_t addr, uint32_t* value) { return request2(c, STC_READ32, &addr, 8, NULL, 0, value, 4); }

int stc_write32(stc_conn* c, uint64_t addr, uint32_t value) {
  uint8_t p[12];
  memcpy(p, &addr, 8);
  memcpy(p + 8, &value, 4);
  return request2(c, STC_WRITE32, p, 12, NULL, 0, NULL, 0);
}

int stc_read(stc_conn* c, uint64_t addr, void* data, uint32_t bytes, uint32_t flags) {
  uint8_t p[16];
  memcpy(p, &addr, 8);
  memcpy(p + 8, &bytes, 4);
  memcpy(p + 12, &flags, 4);
  return request2(c, STC_READ, p, 16, NULL, 0, data, bytes);
}

int stc_write(stc_conn* c, uint64_t addr, const void* data, uint32_t bytes, uint32_t flags) {
  uint8_t p[16];
  memcpy(p, &addr, 8);
  memcpy(p + 8, &bytes, 4);
  memcpy(p + 12, &flags, 4);
  return request2(c, STC_WRITE, p, 16, data, bytes, NULL, 0);
}

int stc_wait_irq(stc_conn* c, uint64_t* time_ps) {
  uint64_t t = 0;
  int r = request2(c, STC_WAIT_IRQ, NULL, 0, NULL, 0, &t, 8);
  if (time_ps) *time_ps = t;
  return r;
}

int stc_time(stc_conn* c, uint64_t* time_ps) { return request2(c, STC_TIME, NULL, 0, NULL, 0, time_ps, 8); }
int stc_delay(stc_conn* c, uint64_t ps) { return request2(c, STC_DELAY, &ps, 8, NULL, 0, NULL, 0); }
int stc_load(stc_conn* c, stc_load_reply* layout) { return request2(c, STC_LOAD, NULL, 0, NULL, 0, layout, sizeof *layout); }
int stc_input(stc_conn* c, uint32_t sample) { return request2(c, STC_INPUT, &sample, 4, NULL, 0, NULL, 0); }

int stc_result(stc_conn* c, const stc_result_msg* r, const int32_t* outputs) {
  return request2(c, STC_RESULT, r, sizeof *r, outputs, 4u * r->n_outputs, NULL, 0);
}

int stc_finish(stc_conn* c) { return request2(c, STC_FINISH, NULL, 0, NULL, 0, NULL, 0); }
