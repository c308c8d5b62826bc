/* SPDX-License-Identifier: MIT
 * pagestart.c - frees blocks that begin exactly at a page start (their
 * header, if the shim gave them one, is on the page before), under tag
 * "Page", with process_vm_readv refused by a seccomp filter as in a
 * container's default profile when given "seccomp". Prints how many blocks
 * began at a page start and its pid. 20000 allocations, 20000 frees.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "heaptag.h"

#define N 20000

static int refuse_process_vm_readv(void)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_process_vm_readv, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = { (unsigned short)(sizeof f / sizeof *f), f };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
        perror("pagestart: seccomp");
        return -1;
    }
    return 0;
}

static void *blocks[N];

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "seccomp") == 0 && refuse_process_vm_readv() != 0)
        return 2;
    long at_start = 0;
    HEAPTAG_SCOPE("Page") {
        for (int i = 0; i < N; i++) {
            size_t size = 24 + (size_t)(i % 12) * 16;
            blocks[i] = malloc(size);
            if (!blocks[i])
                return 1;
            memset(blocks[i], i & 0xff, size);
            at_start += ((uintptr_t)blocks[i] & 4095) == 0;
        }
        for (int i = 0; i < N; i++)
            free(blocks[i]);
    }
    printf("pagestart %ld\npid %d\n", at_start, (int)getpid());
    return 0;
}
