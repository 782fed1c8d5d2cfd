// Thin, non-variadic wrappers for the Linux syscalls and kernel structs Swift cannot call directly
// (variadic `syscall`, `prctl`, `openat` with flags). Each returns -1 and leaves errno set on failure.
#ifndef CZSCANSYS_H
#define CZSCANSYS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/// openat(2) without the variadic mode argument.
int zs_openat(int dirfd, const char *path, int flags);

/// getdents64(2): fills buf with `struct linux_dirent64` records; returns bytes read, 0 at the end.
long zs_getdents64(int fd, void *buf, size_t len);

/// Walks one buffer of getdents64 records: returns the offset of the next record after `offset`
/// and sets *name to the entry's name, *type to d_type; returns -1 when the buffer is exhausted.
long zs_dirent_next(const void *buf, long len, long offset, const char **name, unsigned char *type);

/// pidfd_open(2) (Linux 5.3).
int zs_pidfd_open(pid_t pid, unsigned int flags);

/// pidfd_send_signal(2) (Linux 5.1) with no siginfo.
int zs_pidfd_send_signal(int pidfd, int sig);

/// prctl(PR_SET_CHILD_SUBREAPER, on).
int zs_set_child_subreaper(int on);

/// prctl(PR_GET_CHILD_SUBREAPER): 1 when this process is a child subreaper, 0 when not, -1 on error.
int zs_is_child_subreaper(void);

/// The CPUs this process may run on (sched_getaffinity, CPU_COUNT), or -1.
int zs_usable_cpus(void);

/// sysconf(_SC_CLK_TCK), the unit of /proc/PID/stat times.
long zs_clock_ticks(void);

/// Columns of the terminal on fd (ioctl TIOCGWINSZ), or -1.
int zs_terminal_columns(int fd);

/// One socket from a netlink sock_diag dump. Addresses are in network byte order (4 or 16 bytes).
typedef struct {
    uint8_t family;
    uint8_t state;
    uint16_t local_port;
    uint16_t remote_port;
    uint8_t local_address[16];
    uint8_t remote_address[16];
    uint32_t uid;
    uint64_t inode;
} zs_socket;

/// Dumps the TCP sockets of the caller's network namespace whose state bit is set in `states`
/// (bit N = TCP state N; 1 << 10 = LISTEN) through NETLINK_SOCK_DIAG, for one address family, or
/// for both with AF_UNSPEC: the older TCPDIAG_GETSOCK request, which the kernel answers from one
/// walk of its hash tables for both families (inet_diag_dump_compat) where two SOCK_DIAG_BY_FAMILY
/// requests walk them twice. Returns a malloc'ed array (free with zs_free) and its length in *count, or NULL with errno set
/// when netlink cannot be used (the caller then falls back to /proc/net).
zs_socket *zs_tcp_diag(int family, uint32_t states, long *count);

void zs_free(void *pointer);

/// libFuzzer's entry point (compiler-rt, LLVM 11+), for zscan-fuzz built with -sanitize=fuzzer and
/// -DZSCAN_FUZZING. Declared only: nothing else calls it, and other builds never link libFuzzer.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
