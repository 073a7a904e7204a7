// Thin C wrappers for what Swift cannot call directly: variadic syscalls and prctl,
// ioctl, and the cmsg macros of SCM_RIGHTS. One line of logic each; all policy is Swift. The
// one larger piece is the agent's spawn, where no Swift may run between clone and exec.
#pragma once
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

// clone(2) with `flags` from a short-lived helper forked for it, so that the kernel's work
// (about a millisecond for a full set of namespaces) runs on another CPU while the caller goes
// on. The new process is the caller's child (CLONE_PARENT). Returns 0 in that process; in the
// caller, the helper's pid, with `report` set to a pipe that carries the new process's pid (or
// -errno) as an int32 once clone returns. With `move_aside`, the helper is moved to a CPU other
// than the caller's, and the new process gets the caller's CPU affinity back.
pid_t veil_clone_aside(unsigned long flags, int move_aside, int *report);
// CLONE_NEWUSER|NEWNS|NEWPID|NEWUTS|NEWIPC|NEWNET|NEWCGROUP (the macros need _GNU_SOURCE).
unsigned long veil_sandbox_namespaces(void);
// pipe2(O_CLOEXEC): glibc declares it only under _GNU_SOURCE.
int veil_pipe_cloexec(int fds[2]);
// An anonymous memory file, close-on-exec.
int veil_memfd(void);
// A descriptor that polls readable once the process has exited (Linux 5.3).
int veil_pidfd_open(int pid);
int veil_pivot_root(const char *new_root, const char *put_old);
// Makes a mount and everything below it read-only (mount_setattr, AT_RECURSIVE).
int veil_mount_setattr_rdonly(const char *path, int recursive);
// Binds the file or directory an O_PATH descriptor names onto itself (open_tree, move_mount).
int veil_bind_onto_itself(int fd, int readonly);
// O_PATH, which Swift's Glibc module leaves out (it needs _GNU_SOURCE); shim.c checks the value.
#define VEIL_O_PATH 010000000
// renameat2(RENAME_NOREPLACE) within one directory: never over an existing name.
int veil_rename_noreplace(int dirfd, const char *from, const char *to);
// seccomp(SECCOMP_SET_MODE_FILTER) with a compiled BPF program of `count` instructions.
int veil_seccomp_load(const void *filter, unsigned short count);
int veil_get_no_new_privs(void);
int veil_set_pdeathsig(int sig);
int veil_set_dumpable(int on);
int veil_set_name(const char *name);
int veil_capbset_drop(int cap);
int veil_cap_ambient_clear_all(void);
int veil_cap_last_cap(void);
// Brings the loopback interface of the current network namespace up.
int veil_loopback_up(void);
// unshare(CLONE_NEWNET|CLONE_NEWNS, and CLONE_NEWUSER when `user`): compare's host arm.
int veil_unshare_cell(int user);
// Adds an IPv4 (as alias lo:`label`, a /32) or IPv6 (a /128) literal to lo.
int veil_loopback_add(const char *address, int label);
int veil_send_fd(int sock, int fd);
// One datagram of `len` bytes on a SOCK_SEQPACKET socket, with descriptor `fd` attached when
// >= 0 (MSG_NOSIGNAL). Returns 0, or -1 with errno.
int veil_send_message(int sock, const void *buf, size_t len, int fd);
// One datagram into `buf`; a descriptor attached to it lands in `*fd` (close-on-exec), else -1.
// Returns its length, 0 at end of file, or -1 with errno (EAGAIN with `nonblocking`).
ssize_t veil_receive_message(int sock, void *buf, size_t len, int *fd, int nonblocking);
int veil_recv_fd(int sock);
// A signalfd for `set` (close-on-exec); reads give the signal and its si_code.
int veil_signalfd(const sigset_t *set);
int veil_signalfd_read(int fd, int *signo, int *code, int *value);
// Fields of siginfo_t that live in unions.
int veil_siginfo_code(const siginfo_t *info);
pid_t veil_siginfo_pid(const siginfo_t *info);
int veil_siginfo_value(const siginfo_t *info);
// Raw syscall passthrough for tests of the seccomp filter (returns -errno on failure).
long veil_raw_syscall6(long nr, long a, long b, long c, long d, long e, long f);

// Where the agent's spawn failed (veil_agent_failure.stage): SandboxError.Stage names them.
enum veil_agent_stage {
    VEIL_AGENT_OK = 0,
    VEIL_AGENT_PROCESS_GROUP,
    VEIL_AGENT_CHDIR,
    VEIL_AGENT_NO_NEW_PRIVS,
    VEIL_AGENT_SECCOMP,
    VEIL_AGENT_EXEC,
};

// A failure of the agent's spawn, as a fixed struct: the child writes it into PID 1's memory
// (they share it until the exec), and PID 1 reports it to veil as any setup error.
struct veil_agent_failure {
    int stage;  // enum veil_agent_stage
    int error;  // errno
    const char *detail;
};

// The agent's last steps, in a child made with CLONE_VM|CLONE_VFORK (no page tables copied,
// no copy-on-write faults; PID 1 waits until the exec). Only syscalls run there, no Swift:
// a process group of its own on veil's terminal (`terminal` >= 0; made the terminal's
// foreground group when `foreground`) or else a session of its own, signals back to default
// and unblocked, chdir, descriptors >= 3 close-on-exec,
// no_new_privs, the seccomp filter, execve. A failure is left in `failure` and the child
// exits (127). Returns the child's pid, or -1 with errno.
struct veil_agent_spec {
    const char *cwd;
    const char *path;
    char *const *argv;
    char *const *envp;
    const void *filter;
    unsigned short filter_len;
    struct veil_agent_failure failure;
    int terminal;
    int foreground;
    // Set by the child: the seccomp listener whose notifications are the agent's uname calls
    // and, at a terminal, its TIOCSPGRP (see veil_notify_answer). The child shares PID 1's
    // descriptor table until its execve.
    int notify_listener;
};
pid_t veil_spawn_agent(struct veil_agent_spec *spec);
// Answers one notification on `listener`: a uname(2) gets `answer` written into the caller's
// buffer (process_vm_writev; EFAULT when that fails, e.g. a non-dumpable caller); a statfs(2)
// or fstatfs(2) is made by PID 1 and answered without the filesystem's id; a TIOCSPGRP
// is refused (EPERM) while `terminal`'s foreground group is outside the sandbox; anything else
// runs as it would. Returns 0, or -1 with errno when no notification could be read.
struct utsname;
int veil_notify_answer(int listener, const struct utsname *answer, int terminal);
// Threads of the calling process (from /proc/self/stat), or -1.
int veil_thread_count(void);
