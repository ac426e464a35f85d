// Stream-bench clients, native (bench/stream.bench.ts, bench/stream-fleet.ts): the same minimal
// raw-socket WebSocket clients as bench/workers/stream-clients.ts, in C, so the clients take as
// little of the machine's CPU as possible. One process, one thread, one epoll loop for `count`
// connections. Each client connects (retrying while the server does not listen yet), does its
// own HTTP upgrade, sends one masked text frame {"op":"subscribe","topic":...} per topic, and then
// only walks frame headers: a binary frame adds 1 to its frame counter and its payload length to
// its byte counter; its payload is skipped in the read buffer, never copied. Text frames (the
// server's JSON replies, one `subscribed` per topic) and control frames are the only payloads
// kept; a ping is answered with a pong, a close frame is reported.
//
// Receive strategy: each epoll round reads every ready socket once (up to 256 KiB per read);
// after a round that read data the process sleeps NAP_US microseconds (0: never), so the next
// round finds that long's worth of frames queued per socket. Waking per arriving segment cost
// both sides: a context switch and a read(2) per ~12 KiB here, and a wake-up in the server's
// send path; polling every 1 ms cut the clients' CPU per frame from ~160 ns to ~65 ns and the
// server thread's from ~300 ns to ~200 ns (bench/stream.bench.ts header). An idle stream still
// blocks in epoll_wait, and the latency this adds (up to NAP_US per frame) is not measured.
//
// Counters: the file COUNTERS (made by the bench, 16 bytes per client of the whole fleet) is
// mapped shared; client i's [frames, bytes] are the float64 pair at byte 16*i (the same layout as
// the Node clients' SharedArrayBuffer). They are stored after each read(2) (aligned 8-byte
// stores); the bench reads the file. A "stalled" client subscribes and then is never read again
// (its socket leaves the epoll set), so the server's backpressure paths see a real unread socket.
//
//   usage   stream-clients HOST PORT FIRST COUNT STALLED COUNTERS CONNECT_TIMEOUT_MS NAP_US TOPIC...
//   stdout  "started" once running; "ready" once every client got a `subscribed` reply per
//           topic; "closed <client> <code>" for a server close frame; "error <message>" on a
//           failure (then exits 1). Exits when stdin closes (the bench ended) or on SIGTERM.
//
//   client state:  +--------+----------+--------+---------------+---------+----------------+
//                  | fd     | upgraded | left   | opcode, keep  | carry   | text (replies) |
//                  | int    | int      | u64    | int, int      | 14 B    | 64 KiB         |
//                  +--------+----------+--------+---------------+---------+----------------+
//   `left`: payload bytes of the current frame still to skip (or keep, for text/control).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define READ_BUFFER (256 * 1024)
#define TEXT_MAX (64 * 1024)
#define HEAD_MAX 4096
#define OP_TEXT 1
#define OP_BINARY 2
#define OP_CLOSE 8
#define OP_PING 9
#define OP_PONG 10

struct client {
  int fd;
  int index;
  int stalls;
  int upgraded;
  int subscribed;
  int open;
  char head[HEAD_MAX];
  int headLength;
  uint64_t left;
  int opcode;
  int keep;
  uint8_t carry[14];
  int carried;
  char text[TEXT_MAX];
  int textLength;
  uint64_t frames;
  uint64_t bytes;
};

static const char *host;
static int port;
static char **topics;
static int topicCount;
static volatile double *counters;
static int ready;
static int count;
/** Microseconds to sleep after each epoll round that read data (0: wake on every readiness). */
static long napUs;

static void fail(const char *format, ...) {
  va_list args;
  va_start(args, format);
  fputs("error ", stdout);
  vfprintf(stdout, format, args);
  fputc('\n', stdout);
  fflush(stdout);
  va_end(args);
  exit(1);
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/** Writes all of `data` (small messages: the socket is blocking here or has room). */
static void write_all(struct client *c, const void *data, size_t length) {
  const char *p = data;
  while (length > 0) {
    ssize_t n = write(c->fd, p, length);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) fail("client %d: write: %s", c->index, strerror(errno));
    p += n;
    length -= (size_t)n;
  }
}

/** A masked client frame (mask key 0: the payload bytes are unchanged), payload < 126 bytes. */
static void send_frame(struct client *c, int opcode, const char *payload, size_t length) {
  uint8_t frame[6 + 125];
  if (length > 125) fail("client %d: a client frame of %zu bytes (at most 125)", c->index, length);
  frame[0] = 0x80 | opcode;
  frame[1] = 0x80 | (uint8_t)length;
  memset(frame + 2, 0, 4);
  memcpy(frame + 6, payload, length);
  write_all(c, frame, 6 + length);
}

static void connect_client(struct client *c, double deadline) {
  struct sockaddr_in address = {0};
  address.sin_family = AF_INET;
  address.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, host, &address.sin_addr) != 1) fail("host %s is not an IPv4 address", host);
  for (;;) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) fail("client %d: socket: %s", c->index, strerror(errno));
    if (c->stalls) {
      // A stalled client's receive window stays small (set before connect, so the window is
      // negotiated with it): the server's sends back up into its own buffers within kilobytes,
      // not after the ~4 MB loopback autotuning would otherwise absorb.
      int small = 4096;
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    }
    if (connect(fd, (struct sockaddr *)&address, sizeof address) == 0) {
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      c->fd = fd;
      c->open = 1;
      return;
    }
    int error = errno;
    close(fd);
    if (now_ms() > deadline) fail("client %d: cannot connect to %s:%d: %s", c->index, host, port, strerror(error));
    struct timespec pause = {0, 20 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
}

static void publish_counters(struct client *c) {
  counters[c->index * 2] = (double)c->frames;
  counters[c->index * 2 + 1] = (double)c->bytes;
}

static void end_frame(struct client *c, int epoll) {
  if (!c->keep) return;
  c->keep = 0;
  if (c->opcode == OP_TEXT) {
    c->text[c->textLength] = 0;
    if (strstr(c->text, "\"type\":\"subscribed\"")) {
      if (++c->subscribed == topicCount) {
        if (c->stalls) epoll_ctl(epoll, EPOLL_CTL_DEL, c->fd, NULL);
        if (++ready == count) {
          fputs("ready\n", stdout);
          fflush(stdout);
        }
      }
    } else if (strstr(c->text, "\"type\":\"error\"")) {
      fail("client %d: the server replied %s", c->index, c->text);
    }
  } else if (c->opcode == OP_PING) {
    send_frame(c, OP_PONG, c->text, (size_t)c->textLength);
  } else if (c->opcode == OP_CLOSE) {
    int code = c->textLength >= 2 ? ((uint8_t)c->text[0] << 8) | (uint8_t)c->text[1] : 0;
    printf("closed %d %d\n", c->index, code);
    fflush(stdout);
  }
}

/** Walks the frames in buffer[at, length): headers parsed, binary payloads skipped. */
static void walk_frames(struct client *c, const uint8_t *buffer, size_t at, size_t length, int epoll) {
  while (at < length) {
    if (c->left > 0) {
      size_t take = c->left < length - at ? (size_t)c->left : length - at;
      if (c->keep) {
        if (c->textLength + take >= TEXT_MAX) fail("client %d: a text or control frame above %d bytes", c->index, TEXT_MAX);
        memcpy(c->text + c->textLength, buffer + at, take);
        c->textLength += (int)take;
      }
      c->left -= take;
      at += take;
      if (c->left == 0) end_frame(c, epoll);
      continue;
    }
    // A header: 2 bytes, +2 or +8 of extended length (server frames are never masked).
    const uint8_t *h;
    int len7;
    if (c->carried == 0 && length - at >= 10) {
      h = buffer + at;
      len7 = h[1] & 0x7f;
      at += len7 < 126 ? 2 : len7 == 126 ? 4 : 10;
    } else {
      while (c->carried < 2 && at < length) c->carry[c->carried++] = buffer[at++];
      if (c->carried < 2) return;
      len7 = c->carry[1] & 0x7f;
      int headLength = len7 < 126 ? 2 : len7 == 126 ? 4 : 10;
      while (c->carried < headLength && at < length) c->carry[c->carried++] = buffer[at++];
      if (c->carried < headLength) return;
      h = c->carry;
      c->carried = 0;
    }
    if (h[1] & 0x80) fail("client %d: a masked server frame", c->index);
    uint64_t payload = (uint64_t)len7;
    if (len7 == 126) payload = ((uint64_t)h[2] << 8) | h[3];
    else if (len7 == 127) {
      payload = 0;
      for (int i = 2; i < 10; i++) payload = (payload << 8) | h[i];
    }
    c->opcode = h[0] & 0x0f;
    c->left = payload;
    if (c->opcode == OP_BINARY) {
      c->frames += 1;
      c->bytes += payload;
      c->keep = 0;
    } else {
      c->keep = 1;
      c->textLength = 0;
    }
    if (payload == 0) end_frame(c, epoll);
  }
}

static size_t on_readable(struct client *c, uint8_t *buffer, int epoll) {
  ssize_t n = read(c->fd, buffer, READ_BUFFER);
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return 0;
    n = 0;
  }
  if (n == 0) {
    epoll_ctl(epoll, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->open = 0;
    if (c->subscribed < topicCount) fail("client %d: the server closed the connection before every subscribe was answered", c->index);
    return 0;
  }
  size_t at = 0;
  if (!c->upgraded) {
    size_t room = HEAD_MAX - 1 - (size_t)c->headLength;
    size_t take = (size_t)n < room ? (size_t)n : room;
    memcpy(c->head + c->headLength, buffer, take);
    c->headLength += (int)take;
    c->head[c->headLength] = 0;
    char *end = strstr(c->head, "\r\n\r\n");
    if (!end) {
      if (c->headLength >= HEAD_MAX - 1) fail("client %d: an upgrade response above %d bytes", c->index, HEAD_MAX);
      return (size_t)n;
    }
    if (strncmp(c->head, "HTTP/1.1 101", 12) != 0) {
      char *line = strstr(c->head, "\r\n");
      if (line) *line = 0;
      fail("client %d: upgrade refused: %s", c->index, c->head);
    }
    // Bytes after the head already belong to frames.
    size_t headBytes = (size_t)(end + 4 - c->head);
    at = take - ((size_t)c->headLength - headBytes);
    c->upgraded = 1;
    char message[256];
    for (int t = 0; t < topicCount; t++) {
      int length = snprintf(message, sizeof message, "{\"op\":\"subscribe\",\"topic\":\"%s\"}", topics[t]);
      send_frame(c, OP_TEXT, message, (size_t)length);
    }
  }
  walk_frames(c, buffer, at, (size_t)n, epoll);
  publish_counters(c);
  return (size_t)n;
}

int main(int argc, char **argv) {
  if (argc < 10) {
    fprintf(stderr, "usage: %s HOST PORT FIRST COUNT STALLED COUNTERS CONNECT_TIMEOUT_MS NAP_US TOPIC...\n", argv[0]);
    return 2;
  }
  host = argv[1];
  port = atoi(argv[2]);
  int first = atoi(argv[3]);
  count = atoi(argv[4]);
  int stalled = atoi(argv[5]);
  const char *countersPath = argv[6];
  double deadline = now_ms() + atof(argv[7]);
  napUs = atol(argv[8]);
  topics = argv + 9;
  topicCount = argc - 9;
  if (napUs < 0 || napUs > 1000000) fail("NAP_US must be within 0..1000000, was %ld", napUs);
  if (count < 1 || stalled < 0 || stalled > count || first < 0) fail("bad client counts: first %d, count %d, stalled %d", first, count, stalled);

  int countersFd = open(countersPath, O_RDWR);
  if (countersFd < 0) fail("counters file %s: %s", countersPath, strerror(errno));
  struct stat st;
  fstat(countersFd, &st);
  if ((size_t)st.st_size < (size_t)(first + count) * 16) fail("counters file %s: %lld bytes, needs %d", countersPath, (long long)st.st_size, (first + count) * 16);
  void *mapped = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, countersFd, 0);
  if (mapped == MAP_FAILED) fail("counters file %s: mmap: %s", countersPath, strerror(errno));
  counters = mapped;

  fputs("started\n", stdout);
  fflush(stdout);

  struct client *clients = calloc((size_t)count, sizeof *clients);
  uint8_t *buffer = malloc(READ_BUFFER);
  if (!clients || !buffer) fail("out of memory for %d clients", count);
  int epoll = epoll_create1(0);
  // stdin closing (the bench ended, however it ended) ends the clients.
  struct epoll_event in = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(epoll, EPOLL_CTL_ADD, 0, &in);
  for (int k = 0; k < count; k++) {
    struct client *c = &clients[k];
    c->index = first + k;
    c->stalls = k >= count - stalled;
    connect_client(c, deadline);
    char request[512];
    int length = snprintf(request, sizeof request,
      "GET / HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: cXVhbnRmbG93LWJlbmNoLQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", host, port);
    write_all(c, request, (size_t)length);
    fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
    struct epoll_event event = {.events = EPOLLIN, .data.ptr = c};
    epoll_ctl(epoll, EPOLL_CTL_ADD, c->fd, &event);
  }
  struct epoll_event events[256];
  for (;;) {
    size_t round = 0;
    int n = epoll_wait(epoll, events, 256, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("epoll_wait: %s", strerror(errno));
    for (int i = 0; i < n; i++) {
      struct client *c = events[i].data.ptr;
      if (!c) {
        char scratch[64];
        if (read(0, scratch, sizeof scratch) <= 0) return 0;
        continue;
      }
      if (c->open) round += on_readable(c, buffer, epoll);
    }
    // Polling: a round that read data is followed by a nap, so the next round finds ~nap's worth
    // of frames per socket instead of waking (and reading) per segment. An idle stream still
    // blocks in epoll_wait.
    if (napUs > 0 && round > 0) {
      struct timespec nap = {napUs / 1000000, (napUs % 1000000) * 1000};
      nanosleep(&nap, NULL);
    }
  }
}
