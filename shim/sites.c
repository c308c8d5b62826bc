/*
 * sites.c - classifying code addresses as application code or allocation
 * wrapper, and finding the first application frame with libunwind.
 * Runs on the allocation slow path: no locks, no allocation of its own; every
 * call into libunwind or the loader is made under the recursion guard.
 */
#include "sites.h"

#include <dlfcn.h>
#include <string.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "modules.h"
#include "state.h"

#define CLASS_CACHE 4096 /* power of two */
#define CLASS_ADDR_SHIFT 16
#define CLASS_GEN_MASK 0x3fffu
#define RESOLVE_FRAMES 24

enum role { ROLE_UNKNOWN = 0, ROLE_APP, ROLE_WRAPPER, ROLE_CXX, ROLE_SELF };

/* One word per entry: addr << 16 | generation << 2 | class; stored whole, so
 * a reader never sees half an entry. 0 is empty. */
static uint64_t class_cache[CLASS_CACHE];

static char user_wrappers[HT_WRAPPERS_MAX][HT_WRAPPER_NAME_MAX];
static int n_user_wrappers;

static uint8_t roles[HT_DEFAULT_MODULES];
static uint32_t roles_gen = UINT32_MAX;
static int cxx_loaded;
static uint64_t self_base;

int ht_sites_add_wrappers(const char *list, size_t len)
{
    int taken = 0;
    size_t i = 0;
    while (i < len) {
        while (i < len && (list[i] == ',' || list[i] == ':' || list[i] == ' '))
            i++;
        size_t start = i;
        while (i < len && list[i] != ',' && list[i] != ':' && list[i] != ' ' && list[i])
            i++;
        size_t n = i - start;
        if (n == 0 || n >= HT_WRAPPER_NAME_MAX || n_user_wrappers >= HT_WRAPPERS_MAX) {
            if (i < len && !list[i])
                break;
            continue;
        }
        memcpy(user_wrappers[n_user_wrappers], list + start, n);
        user_wrappers[n_user_wrappers][n] = '\0';
        n_user_wrappers++;
        taken++;
    }
    return taken;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* What each module is, from its name: recomputed after a rescan. Threads
 * may refresh at once; they write the same values, each store atomic. */
static void roles_refresh(const struct ht_seg_header *h, uint32_t gen)
{
    const struct ht_module *t = (const struct ht_module *)((const char *)h + h->modules_offset);
    uint32_t used = __atomic_load_n(&h->modules_used, __ATOMIC_ACQUIRE);
    uint64_t self = __atomic_load_n(&self_base, __ATOMIC_RELAXED);
    if (!self) {
        Dl_info di;
        if (dladdr((void *)ht_sites_class, &di) && di.dli_fbase)
            self = (uint64_t)di.dli_fbase;
        __atomic_store_n(&self_base, self, __ATOMIC_RELAXED);
    }
    int cxx = 0;
    for (uint32_t i = 0; i < used && i < h->module_capacity && i < HT_DEFAULT_MODULES; i++) {
        const char *b = base_name(t[i].path);
        uint8_t r = ROLE_APP;
        if (self && self >= t[i].base && self - t[i].base < t[i].size)
            r = ROLE_SELF;
        else if (starts(b, "libunwind"))
            r = ROLE_SELF;
        else if (starts(b, "libc.so") || starts(b, "ld-linux") || starts(b, "ld64.so"))
            r = ROLE_WRAPPER;
        else if (starts(b, "libstdc++"))
            r = ROLE_CXX;
        if (r == ROLE_CXX && t[i].state == 1)
            cxx = 1;
        __atomic_store_n(&roles[i], r, __ATOMIC_RELAXED);
    }
    __atomic_store_n(&cxx_loaded, cxx, __ATOMIC_RELAXED);
    __atomic_store_n(&roles_gen, gen, __ATOMIC_RELEASE);
}

/* Mangled names of code that allocates on its caller's behalf: operator new
 * and new[] in every variant, anything in namespace std or __gnu_cxx (the
 * containers' templates, instantiated in the application), the C++ runtime's
 * exception allocation. */
static int cxx_wrapper_name(const char *n)
{
    static const char *const prefixes[] = {
        "_Znwm", "_Znam", "_ZNSt", "_ZNKSt", "_ZSt", "_ZN9__gnu_cxx", "_ZNK9__gnu_cxx",
        "_ZNSa", "_ZNSs", "_ZNKSs", "__cxa_allocate", "_ZN10__cxxabiv1",
    };
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (starts(n, prefixes[i]))
            return 1;
    return 0;
}

static int user_wrapper_name(const char *n)
{
    for (int i = 0; i < n_user_wrappers; i++)
        if (strcmp(n, user_wrappers[i]) == 0)
            return 1;
    return 0;
}

/* The name of the function holding addr, from .symtab or .dynsym; libunwind
 * maps the object's file to read it, so this is done once per address. */
static int proc_name(uint64_t addr, char *buf, size_t len)
{
    unw_accessors_t *a = unw_get_accessors(unw_local_addr_space);
    unw_word_t off;
    if (!a || !a->get_proc_name)
        return -1;
    buf[0] = '\0';
    if (a->get_proc_name(unw_local_addr_space, (unw_word_t)addr, buf, len, &off, NULL) < 0 &&
        !buf[0])
        return -1;
    buf[len - 1] = '\0';
    return 0;
}

static int classify(uint64_t addr)
{
    struct ht_seg_header *h = ht_state.seg;
    if (!h)
        return HT_SITE_DIRECT;
    int m = ht_modules_find(h, addr);
    if (m < 0 && ht_modules_scan(h) > 0) {
        /* something was loaded or unloaded: row caches may name old code */
        __atomic_fetch_add(&ht_state.epoch, 1, __ATOMIC_RELAXED);
        m = ht_modules_find(h, addr);
    }
    uint32_t gen = ht_modules_generation();
    if (__atomic_load_n(&roles_gen, __ATOMIC_ACQUIRE) != gen)
        roles_refresh(h, gen);
    if (m < 0 || m >= HT_DEFAULT_MODULES)
        return HT_SITE_DIRECT; /* JIT or unknown code: its own site */
    switch (__atomic_load_n(&roles[m], __ATOMIC_RELAXED)) {
    case ROLE_SELF:
        return HT_SITE_SELF;
    case ROLE_WRAPPER:
        return HT_SITE_WRAPPER;
    case ROLE_CXX:
        break;
    default:
        if (!n_user_wrappers && !__atomic_load_n(&cxx_loaded, __ATOMIC_RELAXED))
            return HT_SITE_DIRECT;
    }
    char name[256];
    if (proc_name(addr - 1, name, sizeof name) != 0)
        return HT_SITE_DIRECT;
    return cxx_wrapper_name(name) || user_wrapper_name(name) ? HT_SITE_WRAPPER : HT_SITE_DIRECT;
}

int ht_sites_class(uint64_t addr)
{
    uint32_t gen = ht_modules_generation() & CLASS_GEN_MASK;
    uint64_t *slot = &class_cache[((addr * 0x9e3779b97f4a7c15ull) >> 40) & (CLASS_CACHE - 1)];
    uint64_t v = __atomic_load_n(slot, __ATOMIC_RELAXED);
    if (v >> CLASS_ADDR_SHIFT == addr && ((v >> 2) & CLASS_GEN_MASK) == gen)
        return (int)(v & 3);
    if (addr >> (64 - CLASS_ADDR_SHIFT))
        return HT_SITE_DIRECT; /* not a user-space code address */
    ht_enter();
    int c = classify(addr);
    ht_leave();
    gen = ht_modules_generation() & CLASS_GEN_MASK;
    __atomic_store_n(slot, addr << CLASS_ADDR_SHIFT | (uint64_t)gen << 2 | (uint64_t)c,
                     __ATOMIC_RELAXED);
    return c;
}

int ht_sites_backtrace(uint64_t r, uint64_t *frames, int max)
{
    void *raw[HT_STACK_DEPTH_MAX + 16];
    int cap = max + 16;
    if (cap > (int)(sizeof raw / sizeof raw[0]))
        cap = (int)(sizeof raw / sizeof raw[0]);
    ht_enter();
    int n = unw_backtrace(raw, cap);
    ht_leave();
    int i = 0;
    while (i < n && (uint64_t)raw[i] != r)
        i++;
    if (i >= n) { /* unwinding failed or lost the way: the immediate caller alone */
        frames[0] = r;
        return 1;
    }
    int k = 0;
    for (; i < n && k < max; i++)
        frames[k++] = (uint64_t)raw[i];
    return k;
}

uint64_t ht_sites_pick(const uint64_t *frames, int n)
{
    for (int i = 0; i < n; i++)
        if (ht_sites_class(frames[i]) != HT_SITE_WRAPPER)
            return frames[i];
    return frames[0];
}

uint64_t ht_sites_resolve(uint64_t r)
{
    if (ht_sites_class(r) != HT_SITE_WRAPPER)
        return r;
    uint64_t frames[RESOLVE_FRAMES];
    int n = ht_sites_backtrace(r, frames, RESOLVE_FRAMES);
    return ht_sites_pick(frames, n);
}
