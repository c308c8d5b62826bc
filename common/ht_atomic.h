/* SPDX-License-Identifier: MIT
 * ht_atomic.h - the atomic operations on shared and per-thread data, with the
 * memory order in the name, so every access says what ordering it relies on
 * (the segment is read by another process while the shim writes it).
 * Thin wrappers over the GCC/clang builtins; no function calls, no locks.
 */
#ifndef HT_ATOMIC_H
#define HT_ATOMIC_H

/* Loads and stores. */
#define ht_load_relaxed(p)       __atomic_load_n((p), __ATOMIC_RELAXED)
#define ht_load_acquire(p)       __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define ht_store_relaxed(p, v)   __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define ht_store_release(p, v)   __atomic_store_n((p), (v), __ATOMIC_RELEASE)

/* Read-modify-write: fetch_add returns the old value, add_fetch the new one. */
#define ht_fetch_add_relaxed(p, v)  __atomic_fetch_add((p), (v), __ATOMIC_RELAXED)
#define ht_fetch_add_release(p, v)  __atomic_fetch_add((p), (v), __ATOMIC_RELEASE)
#define ht_fetch_add_acq_rel(p, v)  __atomic_fetch_add((p), (v), __ATOMIC_ACQ_REL)
#define ht_add_fetch_relaxed(p, v)  __atomic_add_fetch((p), (v), __ATOMIC_RELAXED)
#define ht_sub_fetch_relaxed(p, v)  __atomic_sub_fetch((p), (v), __ATOMIC_RELAXED)
#define ht_fetch_or_acq_rel(p, v)   __atomic_fetch_or((p), (v), __ATOMIC_ACQ_REL)
#define ht_fetch_and_release(p, v)  __atomic_fetch_and((p), (v), __ATOMIC_RELEASE)
#define ht_exchange_acquire(p, v)   __atomic_exchange_n((p), (v), __ATOMIC_ACQUIRE)
#define ht_exchange_acq_rel(p, v)   __atomic_exchange_n((p), (v), __ATOMIC_ACQ_REL)

/* Compare-and-swap: *expected is updated on failure; weak is 0 or 1, then
 * the orders on success and on failure. The code uses the named forms below. */
#define ht_cas_(p, expected, desired, weak, success, failure) \
    __atomic_compare_exchange_n((p), (expected), (desired), (weak), (success), (failure))

/* Strong; the name gives the order on success; on failure the load is
 * acquire (relaxed for _relaxed). */
#define ht_cas_acq_rel(p, e, d) ht_cas_((p), (e), (d), 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)
#define ht_cas_acquire(p, e, d) ht_cas_((p), (e), (d), 0, __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE)
#define ht_cas_release(p, e, d) ht_cas_((p), (e), (d), 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED)
#define ht_cas_relaxed(p, e, d) ht_cas_((p), (e), (d), 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED)
/* A CAS whose failure needs no ordering (the loser retries or gives up). */
#define ht_cas_acq_rel_relaxed(p, e, d) \
    ht_cas_((p), (e), (d), 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)
/* Weak: may fail spuriously, for loops that retry anyway. */
#define ht_cas_weak_relaxed(p, e, d) ht_cas_((p), (e), (d), 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)

/* Orders this thread's accesses against a signal handler running on it. */
#define ht_signal_fence() __atomic_signal_fence(__ATOMIC_SEQ_CST)

#endif /* HT_ATOMIC_H */
