#define _GNU_SOURCE
#include "CZScanSys.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

struct zs_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

int zs_openat(int dirfd, const char *path, int flags) { return openat(dirfd, path, flags); }

long zs_getdents64(int fd, void *buf, size_t len) { return syscall(SYS_getdents64, fd, buf, len); }

long zs_dirent_next(const void *buf, long len, long offset, const char **name, unsigned char *type) {
    if (offset >= len) return -1;
    const struct zs_dirent64 *d = (const struct zs_dirent64 *)((const char *)buf + offset);
    if (d->d_reclen == 0) return -1;
    *name = d->d_name;
    *type = d->d_type;
    return offset + d->d_reclen;
}

int zs_pidfd_open(pid_t pid, unsigned int flags) { return (int)syscall(SYS_pidfd_open, pid, flags); }

int zs_pidfd_send_signal(int pidfd, int sig) {
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

int zs_set_child_subreaper(int on) { return prctl(PR_SET_CHILD_SUBREAPER, (unsigned long)on, 0, 0, 0); }

int zs_is_child_subreaper(void) {
    int value = 0;
    if (prctl(PR_GET_CHILD_SUBREAPER, (unsigned long)&value, 0, 0, 0) != 0) return -1;
    return value != 0;
}

long zs_clock_ticks(void) { return sysconf(_SC_CLK_TCK); }

int zs_terminal_columns(int fd) {
    struct winsize size;
    if (ioctl(fd, TIOCGWINSZ, &size) != 0) return -1;
    return size.ws_col;
}
