/*
 * cscan: the yardstick scripts/bench holds zscan's scan against. A hand-written C scan of the
 * facts a scan needs, with as few system calls as /proc allows: list /proc, then for every
 * process read `stat` and `cmdline` by path relative to the /proc descriptor (no per-process
 * directory open) and follow every descriptor link in `fd/`. Single-threaded; prints how many
 * processes, descriptors and socket descriptors it saw, so nothing is optimized away.
 *
 *   cc -O2 -o cscan scripts/bench.d/cscan.c && ./cscan
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* getdents64 records, read with the raw system call into buffers sized here, so a listing takes
 * as few calls as the kernel allows. */
struct linux_dirent64 {
    unsigned long long d_ino;
    long long d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static char listing[1 << 16];
static char fd_listing[1 << 15];
static char buffer[1 << 16];

/* Reads PATH (relative to DIRFD) into buffer; returns the bytes read or -1. One read: `stat`
 * and `cmdline` come whole in one read when the buffer has room, so a short read is the end. */
static ssize_t read_file(int dirfd, const char *path) {
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buffer, sizeof buffer);
    close(fd);
    return n;
}

static int is_pid(const char *name) {
    if (*name == '\0') return 0;
    for (; *name; name++)
        if (*name < '0' || *name > '9') return 0;
    return 1;
}

int main(void) {
    int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (proc < 0) {
        perror("cscan: /proc");
        return 2;
    }
    long processes = 0, descriptors = 0, sockets = 0, checksum = 0;
    char path[64], link[256];
    for (;;) {
        long got = syscall(SYS_getdents64, proc, listing, sizeof listing);
        if (got <= 0) break;
        for (long offset = 0; offset < got;) {
            struct linux_dirent64 *entry = (struct linux_dirent64 *)(listing + offset);
            offset += entry->d_reclen;
            if (!is_pid(entry->d_name)) continue;
            snprintf(path, sizeof path, "%s/stat", entry->d_name);
            ssize_t n = read_file(proc, path);
            if (n <= 0) continue; /* vanished */
            checksum += buffer[n - 1];
            processes++;
            snprintf(path, sizeof path, "%s/cmdline", entry->d_name);
            n = read_file(proc, path);
            if (n > 0) checksum += buffer[0];
            snprintf(path, sizeof path, "%s/fd", entry->d_name);
            int fds = openat(proc, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (fds < 0) continue; /* a zombie, a kernel thread's is empty, or denied */
            /* procfs fills the buffer while entries remain, so a short read means the end. */
            for (;;) {
                long fd_got = syscall(SYS_getdents64, fds, fd_listing, sizeof fd_listing);
                if (fd_got <= 0) break;
                for (long at = 0; at < fd_got;) {
                    struct linux_dirent64 *fd_entry = (struct linux_dirent64 *)(fd_listing + at);
                    at += fd_entry->d_reclen;
                    if (fd_entry->d_name[0] == '.') continue;
                    descriptors++;
                    ssize_t length = readlinkat(fds, fd_entry->d_name, link, sizeof link);
                    if (length > 7 && memcmp(link, "socket:", 7) == 0) sockets++;
                }
                if ((size_t)fd_got < sizeof fd_listing - 512) break;
            }
            close(fds);
        }
        if ((size_t)got < sizeof listing - 512) break;
    }
    close(proc);
    printf("%ld processes, %ld descriptors, %ld sockets (%ld)\n", processes, descriptors, sockets, checksum);
    return 0;
}
