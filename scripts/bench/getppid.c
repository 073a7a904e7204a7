// Seccomp cost on a cheap allowed syscall: a getppid loop, timed per call.
//   getppid none N      - no filter
//   getppid one-rule N  - a libseccomp filter of one rule (the floor: any filter at all)
//   getppid N           - whatever filter the process already has (run it under veil)
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv) {
    const char *mode = argc > 2 ? argv[1] : "inherit";
    long n = atol(argv[argc - 1]);
    if (strcmp(mode, "one-rule") == 0) {
        scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
        seccomp_rule_add(ctx, SCMP_ACT_ERRNO(1), SCMP_SYS(acct), 0);
        if (seccomp_load(ctx) != 0) { perror("seccomp_load"); return 1; }
    }
    double best = 1e18;
    for (int round = 0; round < 5; round++) {
        double t0 = now();
        for (long i = 0; i < n; i++) syscall(SYS_getppid);
        double per = (now() - t0) / n;
        if (per < best) best = per;
    }
    printf("%.1f\n", best);
    return 0;
}
