#ifndef VIGIL_NET_H
#define VIGIL_NET_H

#include <stddef.h>
#include <stdint.h>

/// Opens a UDP socket bound to host:port (a numeric address or "localhost"; port 0 picks one),
/// asks for a receive buffer of `rcvbuf` bytes (SO_RCVBUFFORCE when allowed, else SO_RCVBUF up to
/// the system's limit) and turns on SO_RXQ_OVFL, the kernel's count of datagrams it dropped.
/// Returns the descriptor, or -1 with a message in `err`.
int vigil_udp_bind(const char *host, int port, int rcvbuf, int *bound_port, int *granted_rcvbuf, char *err,
                   size_t errlen);

/// Receives up to `count` datagrams with one recvmmsg call into `count` slots of `slot_size`
/// bytes at `buffers`. `lengths[i]` gets each datagram's size (larger than the slot when it was
/// truncated), `truncated[i]` 1 when it was. When the kernel reports its drop counter, it is
/// written to `drops` and `has_drops` is set. `wait_ms` < 0 blocks, 0 does not wait, > 0 waits
/// at most that long for the first datagram. Returns the number received, 0 when none, -1 on error.
int vigil_udp_receive(int fd, unsigned char *buffers, size_t slot_size, unsigned int count, size_t *lengths,
                      unsigned char *truncated, uint32_t *drops, int *has_drops, int wait_ms);

#endif
