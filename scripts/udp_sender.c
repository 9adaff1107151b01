// Vigil's UDP load generator: sends COUNT call-log datagrams of about 270 bytes to
// 127.0.0.1:PORT at RATE datagrams per second (0: as fast as it can), with sendmmsg in batches of
// 64, and prints how many it sent, in how long. Bounded in count and time (at most 60 s).
//
//   cc -O2 -o udp_sender scripts/udp_sender.c && ./udp_sender PORT COUNT RATE
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s PORT COUNT RATE\n", argv[0]);
    return 2;
  }
  int port = atoi(argv[1]);
  long count = atol(argv[2]);
  double rate = atof(argv[3]);
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  int sndbuf = 8 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  if (connect(fd, (struct sockaddr *)&to, sizeof to) != 0) {
    perror("connect");
    return 1;
  }
  enum { BATCH = 64 };
  static char bufs[BATCH][512];
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  const char *providers[] = {"openai", "anthropic", "google"};
  const char *models[] = {"gpt-4o", "claude-sonnet-4", "gemini-2.5-pro"};
  double start = now();
  struct timespec wall;
  long sent = 0, failed = 0;
  while (sent < count && now() - start < 60) {
    int n = count - sent < BATCH ? (int)(count - sent) : BATCH;
    clock_gettime(CLOCK_REALTIME, &wall);
    double ts = wall.tv_sec + wall.tv_nsec / 1e9;
    for (int i = 0; i < n; i++) {
      long k = sent + i;
      int p = k % 3;
      int status = k % 100 < 95 ? 200 : (k % 100 < 97 ? 429 : (k % 100 < 99 ? 500 : 400));
      int len = snprintf(bufs[i], sizeof bufs[i],
                         "{\"ts\":%.3f,\"status\":%d,\"provider\":\"%s\",\"model\":\"%s\",\"latency_ms\":%ld.%ld,"
                         "\"attempt\":1,\"max_attempts\":3,\"request_id\":\"req_%012ld\",\"prompt_tokens\":%ld,"
                         "\"completion_tokens\":%ld,\"app\":\"bench\",\"env\":\"prod\",\"endpoint\":\"/v1/chat/completions\"}",
                         ts, status, providers[p], models[p], 200 + (k * 7919) % 4000, k % 10, k, 100 + k % 900,
                         20 + k % 300);
      iov[i].iov_base = bufs[i];
      iov[i].iov_len = len;
      memset(&msgs[i], 0, sizeof msgs[i]);
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int done = sendmmsg(fd, msgs, n, 0);
    if (done < 0) {
      failed++;
      done = 0;
    }
    sent += done;
    if (rate > 0) {
      double due = start + sent / rate;
      double wait;
      while ((wait = due - now()) > 0) {
        if (wait > 0.0002) {
          struct timespec s = {0, (long)(wait * 0.8e9)};
          nanosleep(&s, NULL);
        }
      }
    }
  }
  double elapsed = now() - start;
  printf("sent %ld datagrams in %.3f s: %.0f/s (send errors: %ld)\n", sent, elapsed, sent / elapsed, failed);
  return 0;
}
