#define _GNU_SOURCE
#include "veil_shim.h"

#include <errno.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/mount.h>
#include <linux/seccomp.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/statfs.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <linux/audit.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

pid_t veil_clone_aside(unsigned long flags, int move_aside, int *report) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) return -1;
    // A new task starts on its parent's CPU, and in a VM the idle CPU may not take it over
    // before a scheduler tick: both the helper and veil move it at once, so that neither
    // waits for the other.
    cpu_set_t mine, other;
    CPU_ZERO(&other);
    int here = sched_getcpu();
    int move = move_aside && sched_getaffinity(0, sizeof mine, &mine) == 0 && here >= 0 && CPU_COUNT(&mine) > 1;
    for (int cpu = 0; move && cpu < CPU_SETSIZE; cpu++) {
        if (cpu != here && CPU_ISSET(cpu, &mine)) { CPU_SET(cpu, &other); break; }
    }
    pid_t helper = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (helper != 0) {
        close(p[1]);
        if (helper < 0) { close(p[0]); return -1; }
        if (move) sched_setaffinity(helper, sizeof other, &other);
        *report = p[0];
        return helper;
    }
    if (move) sched_setaffinity(0, sizeof other, &other);
    int32_t pid = (int32_t)syscall(SYS_clone, flags | CLONE_PARENT, 0, 0, 0, 0);
    if (pid == 0) {
        close(p[0]);
        close(p[1]);
        if (move) sched_setaffinity(0, sizeof mine, &mine);
        return 0;
    }
    if (pid < 0) pid = -errno;
    ssize_t n = write(p[1], &pid, sizeof pid);
    _exit(n == sizeof pid ? 0 : 1);
}

unsigned long veil_sandbox_namespaces(void) {
    return CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
           CLONE_NEWCGROUP;
}

int veil_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int veil_memfd(void) { return (int)syscall(SYS_memfd_create, "veil-filter", MFD_CLOEXEC); }

int veil_pidfd_open(int pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

int veil_pivot_root(const char *new_root, const char *put_old) {
    return (int)syscall(SYS_pivot_root, new_root, put_old);
}

int veil_mount_setattr_rdonly(const char *path, int recursive) {
    struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
    unsigned int flags = recursive ? AT_RECURSIVE : 0;
    return (int)syscall(SYS_mount_setattr, AT_FDCWD, path, flags, &attr, sizeof attr);
}

_Static_assert(VEIL_O_PATH == O_PATH, "O_PATH");

int veil_rename_noreplace(int dirfd, const char *from, const char *to) {
    return (int)syscall(SYS_renameat2, dirfd, from, dirfd, to, RENAME_NOREPLACE);
}

// A copy of the mount at `fd` (an O_PATH descriptor of a file or directory) put on top of it,
// read-only if asked: the new mount API takes the descriptor itself, so no path is walked again
// and nothing swapped in meanwhile (a symlink) is followed.
int veil_bind_onto_itself(int fd, int readonly) {
    int tree = (int)syscall(SYS_open_tree, fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
    if (tree < 0) return -1;
    int r = 0;
    if (readonly) {
        struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
        r = (int)syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof attr);
    }
    if (r == 0) r = (int)syscall(SYS_move_mount, tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
    int saved = errno;
    close(tree);
    errno = saved;
    return r;
}

int veil_get_no_new_privs(void) { return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0); }
int veil_set_pdeathsig(int sig) { return prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0); }
int veil_set_dumpable(int on) { return prctl(PR_SET_DUMPABLE, on, 0, 0, 0); }
int veil_set_name(const char *name) { return prctl(PR_SET_NAME, name, 0, 0, 0); }
int veil_capbset_drop(int cap) { return prctl(PR_CAPBSET_DROP, cap, 0, 0, 0); }
int veil_cap_ambient_clear_all(void) {
    return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
}

int veil_cap_last_cap(void) {
    // The running kernel may know more capabilities than our headers.
    int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return CAP_LAST_CAP;
    char buf[16] = {0};
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    return n > 0 ? atoi(buf) : CAP_LAST_CAP;
}

int veil_seccomp_load(const void *filter, unsigned short count) {
    struct sock_fprog prog = {.len = count, .filter = (struct sock_filter *)filter};
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

int veil_loopback_up(void) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    int rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
    if (rc == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
    }
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

int veil_unshare_cell(int user) {
    return unshare(CLONE_NEWNET | CLONE_NEWNS | (user ? CLONE_NEWUSER : 0));
}

int veil_loopback_add(const char *address, int label) {
    struct in_addr v4;
    struct in6_addr v6;
    if (inet_pton(AF_INET, address, &v4) == 1) {
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) return -1;
        struct ifreq ifr;
        memset(&ifr, 0, sizeof ifr);
        snprintf(ifr.ifr_name, IFNAMSIZ, "lo:%d", label);
        struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
        sin->sin_family = AF_INET;
        sin->sin_addr = v4;
        int rc = ioctl(fd, SIOCSIFADDR, &ifr);
        if (rc == 0) {
            // A /32: the class-derived mask would route a whole /8 to lo.
            sin->sin_addr.s_addr = 0xFFFFFFFFu;
            rc = ioctl(fd, SIOCSIFNETMASK, &ifr);
        }
        int saved = errno;
        close(fd);
        errno = saved;
        return rc;
    }
    if (inet_pton(AF_INET6, address, &v6) == 1) {
        struct { struct in6_addr addr; uint32_t prefixlen; int ifindex; } req;  // struct in6_ifreq
        memset(&req, 0, sizeof req);
        req.addr = v6;
        req.prefixlen = 128;
        req.ifindex = (int)if_nametoindex("lo");
        int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) return -1;
        int rc = ioctl(fd, SIOCSIFADDR, &req);
        int saved = errno;
        close(fd);
        errno = saved;
        return rc;
    }
    errno = EINVAL;
    return -1;
}

int veil_send_fd(int sock, int fd) {
    char byte = 'F';
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
    memset(&u, 0, sizeof u);
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1,
                         .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

int veil_send_message(int sock, const void *buf, size_t len, int fd) {
    struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
    memset(&u, 0, sizeof u);
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    if (fd >= 0) {
        msg.msg_control = u.buf;
        msg.msg_controllen = sizeof u.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    ssize_t n;
    do { n = sendmsg(sock, &msg, MSG_NOSIGNAL); } while (n < 0 && errno == EINTR);
    if (n < 0) return -1;
    if ((size_t)n != len) { errno = EMSGSIZE; return -1; }
    return 0;
}

ssize_t veil_receive_message(int sock, void *buf, size_t len, int *fd, int nonblocking) {
    struct iovec iov = {.iov_base = buf, .iov_len = len};
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    *fd = -1;
    ssize_t n;
    do { n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | (nonblocking ? MSG_DONTWAIT : 0)); } while (n < 0 && errno == EINTR);
    if (n < 0) return -1;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) memcpy(fd, CMSG_DATA(c), sizeof(int));
    if (msg.msg_flags & MSG_TRUNC) {
        if (*fd >= 0) close(*fd);
        *fd = -1;
        errno = EMSGSIZE;
        return -1;
    }
    return n;
}

int veil_recv_fd(int sock) {
    char byte;
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1,
                         .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    ssize_t n;
    do { n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC); } while (n < 0 && errno == EINTR);
    if (n <= 0) { if (n == 0) errno = EPIPE; return -1; }
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (!c || c->cmsg_type != SCM_RIGHTS) { errno = EPROTO; return -1; }
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof(int));
    return fd;
}

int veil_signalfd(const sigset_t *set) { return signalfd(-1, set, SFD_CLOEXEC); }

int veil_signalfd_read(int fd, int *signo, int *code, int *value) {
    struct signalfd_siginfo si;
    ssize_t n = read(fd, &si, sizeof si);
    if (n != (ssize_t)sizeof si) return -1;
    *signo = (int)si.ssi_signo;
    *code = si.ssi_code;
    *value = si.ssi_int;
    return 0;
}

int veil_siginfo_code(const siginfo_t *info) { return info->si_code; }
pid_t veil_siginfo_pid(const siginfo_t *info) { return info->si_pid; }
int veil_siginfo_value(const siginfo_t *info) { return info->si_code == SI_QUEUE ? info->si_value.sival_int : 0; }

long veil_raw_syscall6(long nr, long a, long b, long c, long d, long e, long f) {
    long rc = syscall(nr, a, b, c, d, e, f);
    return rc < 0 ? -errno : rc;
}

// The shared memory is PID 1's until the exec: what is written here, it reads once the
// vfork-style clone returns.
static void agent_fail(struct veil_agent_spec *s, int stage, const char *detail) {
    s->failure.error = errno;
    s->failure.detail = detail;
    s->failure.stage = stage;
    _exit(127);
}

#if defined(__x86_64__)
#define VEIL_NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define VEIL_NATIVE_ARCH AUDIT_ARCH_AARCH64
#endif

// What PID 1 decides for the agent (SECCOMP_RET_USER_NOTIF), everything else on to the main
// filter: uname(2), statfs(2) and fstatfs(2), and at a terminal TIOCSPGRP (on the request's
// low 32 bits, all the kernel reads). Loaded before the main filter, since that may refuse
// seccomp(2) itself.
static int agent_notify_filter(int terminal) {
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, VEIL_NATIVE_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),  // foreign ABIs: the main filter refuses them
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_uname, 5, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_statfs, 4, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_fstatfs, 3, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),  // little-endian: the low half
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCSPGRP, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    // Without a terminal the agent has a session of its own, and every pty there is its own:
    // its ioctls are not asked about.
    if (terminal < 0) code[7] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    struct sock_fprog prog = {.len = sizeof code / sizeof code[0], .filter = code};
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
}

// A statfs(2) or fstatfs(2) of the agent's, made here with the filesystem's identity left out:
// ext4, xfs and btrfs derive f_fsid from the disk's UUID, a number that names the machine and
// outlives every run. PID 1 has the agent's uid and no capabilities, and shares its root and
// mounts: a path resolves for it as for the agent (a relative one from the caller's cwd), and
// a descriptor is reached through /proc/PID/fd. What the kernel would say otherwise (ENOENT,
// EACCES, ELOOP) is said; a caller that cannot be read (non-dumpable) gets EFAULT, as uname does.
static int answer_statfs(int listener, const struct seccomp_notif *req) {
    char path[PATH_MAX + 64];
    if (req->data.nr == __NR_fstatfs) {
        int fd = (int)req->data.args[0];
        if (fd < 0) return -EBADF;
        snprintf(path, sizeof path, "/proc/%d/fd/%d", req->pid, fd);
    } else {
        // The name, read up to its NUL; a name ending where the caller's memory ends reads short.
        char name[PATH_MAX];
        uintptr_t at = (uintptr_t)req->data.args[0];
        size_t first = 4096 - (at & 4095);
        struct iovec local = {name, sizeof name};
        struct iovec remote[2] = {{(void *)at, first}, {(void *)(at + first), sizeof name - first}};
        ssize_t n = process_vm_readv(req->pid, &local, 1, remote, 2, 0);
        if (n <= 0) return -EFAULT;
        if (!memchr(name, 0, (size_t)n)) return n == (ssize_t)sizeof name ? -ENAMETOOLONG : -EFAULT;
        if (name[0] == 0) return -ENOENT;
        if (name[0] == '/') snprintf(path, sizeof path, "%s", name);
        else snprintf(path, sizeof path, "/proc/%d/cwd/%s", req->pid, name);
    }
    struct statfs st;
    if (statfs(path, &st) != 0) return errno == ENOENT && req->data.nr == __NR_fstatfs ? -EBADF : -errno;
    memset(&st.f_fsid, 0, sizeof st.f_fsid);
    // The pid is still the caller's (it could have died and its number gone to another).
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) != 0) return -ESRCH;
    struct iovec local = {&st, sizeof st};
    struct iovec remote = {(void *)(uintptr_t)req->data.args[1], sizeof st};
    if (process_vm_writev(req->pid, &local, 1, &remote, 1, 0) != (ssize_t)sizeof st) return -EFAULT;
    return 0;
}

int veil_notify_answer(int listener, const struct utsname *answer, int terminal) {
    struct seccomp_notif req;
    struct seccomp_notif_resp resp;
    memset(&req, 0, sizeof req);
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) return -1;
    memset(&resp, 0, sizeof resp);
    resp.id = req.id;
    if (req.data.nr == __NR_uname) {
        struct iovec local = {(void *)answer, sizeof *answer};
        struct iovec remote = {(void *)(uintptr_t)req.data.args[0], sizeof *answer};
        if (process_vm_writev(req.pid, &local, 1, &remote, 1, 0) != (ssize_t)sizeof *answer) resp.error = -EFAULT;
    } else if (req.data.nr == __NR_statfs || req.data.nr == __NR_fstatfs) {
        resp.error = answer_statfs(listener, &req);
    } else if (req.data.nr == __NR_ioctl && terminal >= 0 && tcgetpgrp(terminal) <= 0) {
        // The terminal's foreground is outside the sandbox (the shell's, veil's in the
        // background, another job's: all read as 0 here): the agent may not take it, on any
        // descriptor, or it would read what the user types to the shell. Decided by that state
        // alone, not by which tty the descriptor is: the agent could swap the descriptor
        // between this answer and the call.
        resp.error = -EPERM;
    } else {
        resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    }
    // The caller may be gone meanwhile (ENOENT): nothing to answer.
    (void)ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
    return 0;
}

static int agent_child(void *arg) {
    struct veil_agent_spec *s = arg;
    // Out of veil's process group, so kill(0, ...) inside reaches nothing outside.
    if (s->terminal < 0) {
        if (setsid() < 0) agent_fail(s, VEIL_AGENT_PROCESS_GROUP, "setsid");
    } else {
        if (setpgid(0, 0) != 0) agent_fail(s, VEIL_AGENT_PROCESS_GROUP, "setpgid");
        if (s->foreground) {
            // Still in a background group here: tcsetpgrp would raise SIGTTOU.
            sigset_t ttou;
            sigemptyset(&ttou);
            sigaddset(&ttou, SIGTTOU);
            sigprocmask(SIG_BLOCK, &ttou, NULL);
            // Fails only if veil went to the background meanwhile: then so does the agent.
            (void)tcsetpgrp(s->terminal, getpid());
        }
    }
    // Own copies of the dispositions (no CLONE_SIGHAND): resetting them leaves PID 1's alone.
    // An ignored signal stays ignored across execve, real-time ones included, which glibc's
    // signal() will not touch (32 and 33 are its own): hence the raw syscall.
    struct { void *handler; unsigned long flags; void *restorer; uint64_t mask; } dfl = {SIG_DFL, 0, 0, 0};
    for (int sig = 1; sig <= 64; sig++)
        if (sig != SIGKILL && sig != SIGSTOP) (void)syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof dfl.mask);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (chdir(s->cwd) != 0) agent_fail(s, VEIL_AGENT_CHDIR, s->cwd);
    // No descriptor of veil's (or of whoever started veil) leaks into the agent.
    (void)syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) agent_fail(s, VEIL_AGENT_NO_NEW_PRIVS, "prctl(PR_SET_NO_NEW_PRIVS)");
    // Seccomp is the last thing before execve: it could forbid the steps above.
    s->notify_listener = agent_notify_filter(s->terminal);
    if (s->notify_listener < 0) agent_fail(s, VEIL_AGENT_SECCOMP, "load the notifier (SECCOMP_RET_USER_NOTIF, Linux 5.0+)");
    if (veil_seccomp_load(s->filter, s->filter_len) != 0) agent_fail(s, VEIL_AGENT_SECCOMP, "load the filter");
    execve(s->path, s->argv, s->envp);
    agent_fail(s, VEIL_AGENT_EXEC, s->path);
    return 125;
}

pid_t veil_spawn_agent(struct veil_agent_spec *spec) {
    const size_t size = 64 * 1024;
    char *stack = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) return -1;
    // CLONE_FILES: the notifier's listener the child makes lands in PID 1's table too; execve then
    // gives the agent a table of its own, without the close-on-exec listener.
    spec->notify_listener = -1;
    memset(&spec->failure, 0, sizeof spec->failure);
    pid_t pid = clone(agent_child, stack + size, CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD, (void *)spec);
    int e = errno;
    munmap(stack, size);
    errno = e;
    return pid;
}

int veil_thread_count(void) {
    int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char buf[1024];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    // The name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    char *p = strrchr(buf, ')');
    if (!p) return -1;
    // Field 20 is num_threads; after ')' come fields 3, 4, ...
    int field = 2;
    for (; *p; p++) {
        if (*p == ' ' && ++field == 20) return atoi(p + 1);
    }
    return -1;
}
