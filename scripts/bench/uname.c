// uname(2) per call: on the host it is a plain syscall; under veil PID 1 answers it (a seccomp
// user notification and a process_vm_writev), so it costs a round trip between two processes.
//   uname N  - best of 5 rounds of N calls, ns per call
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 10000;
    struct utsname u;
    double best = 1e18;
    for (int round = 0; round < 5; round++) {
        double t0 = now();
        for (long i = 0; i < n; i++) uname(&u);
        double per = (now() - t0) / n;
        if (per < best) best = per;
    }
    printf("%.1f %s\n", best, u.release);
    return 0;
}
