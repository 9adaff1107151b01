#define _GNU_SOURCE
#include "vigil_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

int vigil_udp_bind(const char *host, int port, int rcvbuf, int *bound_port, int *granted_rcvbuf, char *err,
                   size_t errlen) {
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  char service[16];
  snprintf(service, sizeof service, "%d", port);
  int rc = getaddrinfo(host, service, &hints, &res);
  if (rc != 0 || res == NULL) {
    snprintf(err, errlen, "cannot resolve %s: %s", host, gai_strerror(rc));
    return -1;
  }
  int fd = socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    snprintf(err, errlen, "socket: %s", strerror(errno));
    freeaddrinfo(res);
    return -1;
  }
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
  if (bind(fd, res->ai_addr, res->ai_addrlen) != 0) {
    snprintf(err, errlen, "cannot bind %s:%d: %s", host, port, strerror(errno));
    close(fd);
    freeaddrinfo(res);
    return -1;
  }
  freeaddrinfo(res);
  struct sockaddr_storage addr;
  socklen_t len = sizeof addr;
  getsockname(fd, (struct sockaddr *)&addr, &len);
  *bound_port = addr.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&addr)->sin6_port)
                                           : ntohs(((struct sockaddr_in *)&addr)->sin_port);
  int granted = 0;
  len = sizeof granted;
  getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &len);
  *granted_rcvbuf = granted / 2;  // the kernel reports double what it accounts for data
  return fd;
}

#define VIGIL_MAX_BATCH 256
#define VIGIL_CONTROL 64

int vigil_udp_receive(int fd, unsigned char *buffers, size_t slot_size, unsigned int count, size_t *lengths,
                      unsigned char *truncated, uint32_t *drops, int *has_drops, int wait_ms) {
  if (count > VIGIL_MAX_BATCH) count = VIGIL_MAX_BATCH;
  if (wait_ms >= 0) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int ready = poll(&p, 1, wait_ms);
    if (ready < 0) return errno == EINTR ? 0 : -1;
    if (ready == 0) return 0;
  }
  struct mmsghdr msgs[VIGIL_MAX_BATCH];
  struct iovec iov[VIGIL_MAX_BATCH];
  unsigned char control[VIGIL_MAX_BATCH][VIGIL_CONTROL];
  memset(msgs, 0, sizeof(struct mmsghdr) * count);
  for (unsigned int i = 0; i < count; i++) {
    iov[i].iov_base = buffers + i * slot_size;
    iov[i].iov_len = slot_size;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_control = control[i];
    msgs[i].msg_hdr.msg_controllen = VIGIL_CONTROL;
  }
  int n = recvmmsg(fd, msgs, count, MSG_DONTWAIT | MSG_TRUNC, NULL);
  if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -1;
  *has_drops = 0;
  for (int i = 0; i < n; i++) {
    lengths[i] = msgs[i].msg_len;
    truncated[i] = (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c != NULL; c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
        memcpy(drops, CMSG_DATA(c), sizeof(uint32_t));
        *has_drops = 1;
      }
    }
  }
  return n;
}
