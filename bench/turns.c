/* SPDX-License-Identifier: MIT
 * turns.c - 600 allocating functions called in turn, each keeping its block
 * in a ring of 4096 and freeing the one it replaces: more hot call sites
 * than a thread's site cache holds, as a large C program has. Usage:
 * turns ITERATIONS. Built -O2; every function is its own call site (their
 * sizes differ, so no two are folded into one).
 */
#include <stdio.h>
#include <stdlib.h>

static void *volatile sink;
static void *ring[4096];

#define F(n)                                                                  \
    static __attribute__((noinline)) void f##n(unsigned j)                   \
    {                                                                         \
        void *p = malloc(16 + n % 200 + (j & 63));                           \
        sink = p;                                                             \
        unsigned k = (j * 2654435761u) & 4095;                               \
        free(ring[k]);                                                        \
        ring[k] = p;                                                          \
    }
#define F10(n) F(n##0) F(n##1) F(n##2) F(n##3) F(n##4) F(n##5) F(n##6) F(n##7) F(n##8) F(n##9)
#define F100(n) F10(n##0) F10(n##1) F10(n##2) F10(n##3) F10(n##4) F10(n##5) F10(n##6) \
                F10(n##7) F10(n##8) F10(n##9)
F100(1) F100(2) F100(3) F100(4) F100(5) F100(6)

#define P(n) f##n,
#define P10(n) P(n##0) P(n##1) P(n##2) P(n##3) P(n##4) P(n##5) P(n##6) P(n##7) P(n##8) P(n##9)
#define P100(n) P10(n##0) P10(n##1) P10(n##2) P10(n##3) P10(n##4) P10(n##5) P10(n##6) \
                P10(n##7) P10(n##8) P10(n##9)
static void (*const fns[])(unsigned) = { P100(1) P100(2) P100(3) P100(4) P100(5) P100(6) };

int main(int argc, char **argv)
{
    unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 3000000;
    unsigned sites = sizeof fns / sizeof *fns;
    for (unsigned j = 0; j < n; j++)
        fns[j % sites](j);
    for (unsigned k = 0; k < 4096; k++)
        free(ring[k]);
    printf("%u calls at %u sites\n", n, sites);
    return 0;
}
