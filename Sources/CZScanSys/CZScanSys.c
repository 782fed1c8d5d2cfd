#define _GNU_SOURCE
#include "CZScanSys.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sched.h>
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

int zs_usable_cpus(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return -1;
    return CPU_COUNT(&set);
}

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

void zs_free(void *pointer) { free(pointer); }

zs_socket *zs_tcp_diag(int family, uint32_t states, long *count) {
    *count = 0;
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0) return NULL;

    struct {
        struct nlmsghdr header;
        struct inet_diag_req_v2 request;
    } message;
    struct {
        struct nlmsghdr header;
        struct inet_diag_req request;
    } both;
    memset(&message, 0, sizeof message);
    memset(&both, 0, sizeof both);
    message.header.nlmsg_len = sizeof message;
    message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    message.header.nlmsg_seq = 1;
    message.request.sdiag_family = (uint8_t)family;
    message.request.sdiag_protocol = IPPROTO_TCP;
    message.request.idiag_states = states;
    both.header.nlmsg_len = sizeof both;
    both.header.nlmsg_type = TCPDIAG_GETSOCK;
    both.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    both.header.nlmsg_seq = 1;
    both.request.idiag_family = AF_UNSPEC;
    both.request.idiag_states = states;
    const void *request = family == AF_UNSPEC ? (const void *)&both : (const void *)&message;
    size_t length = family == AF_UNSPEC ? sizeof both : sizeof message;
    uint16_t reply = family == AF_UNSPEC ? TCPDIAG_GETSOCK : SOCK_DIAG_BY_FAMILY;

    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    if (sendto(fd, request, length, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return NULL;
    }

    long capacity = 64;
    zs_socket *sockets = malloc((size_t)capacity * sizeof *sockets);
    static __thread char buffer[32768] __attribute__((aligned(8)));
    int done = 0;
    int failed = 0;
    while (!done && !failed && sockets) {
        ssize_t n = recv(fd, buffer, sizeof buffer, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            failed = errno;
            break;
        }
        if (n == 0) break;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buffer; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type == NLMSG_DONE) { done = 1; break; }
            if (h->nlmsg_type == NLMSG_ERROR) {
                struct nlmsgerr *error = NLMSG_DATA(h);
                failed = error->error ? -error->error : EPROTO;
                break;
            }
            if (h->nlmsg_type != reply || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg))) continue;
            struct inet_diag_msg *m = NLMSG_DATA(h);
            if (m->idiag_family != AF_INET && m->idiag_family != AF_INET6) continue;
            if (*count == capacity) {
                capacity *= 2;
                zs_socket *grown = realloc(sockets, (size_t)capacity * sizeof *sockets);
                if (!grown) { failed = ENOMEM; break; }
                sockets = grown;
            }
            zs_socket *s = &sockets[(*count)++];
            memset(s, 0, sizeof *s);
            s->family = m->idiag_family;
            s->state = m->idiag_state;
            s->local_port = ntohs(m->id.idiag_sport);
            s->remote_port = ntohs(m->id.idiag_dport);
            memcpy(s->local_address, m->id.idiag_src, m->idiag_family == AF_INET ? 4 : 16);
            memcpy(s->remote_address, m->id.idiag_dst, m->idiag_family == AF_INET ? 4 : 16);
            s->uid = m->idiag_uid;
            s->inode = m->idiag_inode;
        }
    }
    close(fd);
    if (failed || !sockets || !done) {
        free(sockets);
        *count = 0;
        errno = failed ? failed : EPROTO;
        return NULL;
    }
    return sockets;
}
