/* What a process holds in native allocations at most: an LD_PRELOAD shim that sums malloc_usable_size over malloc,
 * calloc, realloc, memalign, aligned_alloc, posix_memalign and free, and prints the peak and glibc's malloc_stats()
 * at exit. Compare it with the resident peak (VmHWM) to tell allocations from allocator overhead (README, Performance:
 * where the difference in peak memory came from).
 *
 *   gcc -O2 -shared -fPIC -o /tmp/malloc_counter.so tests/benchmarks/malloc_counter.c
 *   LD_PRELOAD=/tmp/malloc_counter.so dotnet lib/VisionLab.Cli/bin/Release/net10.0/VisionLab.Cli.dll bench train --model modern-cnn
 *   LD_PRELOAD=/tmp/malloc_counter.so python3 tests/benchmarks/train_step_pytorch.py 10 3 modern-cnn 128
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static long current, peak;

static void add(void *p)
{
    if (!p) return;
    long now = __atomic_add_fetch(&current, (long)malloc_usable_size(p), __ATOMIC_RELAXED);
    long seen = __atomic_load_n(&peak, __ATOMIC_RELAXED);
    while (now > seen && !__atomic_compare_exchange_n(&peak, &seen, now, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {}
}

static void subtract(void *p)
{
    if (p) __atomic_sub_fetch(&current, (long)malloc_usable_size(p), __ATOMIC_RELAXED);
}

void *malloc(size_t n) { void *p = __libc_malloc(n); add(p); return p; }
void free(void *p) { subtract(p); __libc_free(p); }
void *calloc(size_t count, size_t n) { void *p = __libc_calloc(count, n); add(p); return p; }
void *realloc(void *old, size_t n)
{
    subtract(old);
    void *p = __libc_realloc(old, n);
    if (p) add(p); else if (old && n) add(old);   /* failed: the old block is still there */
    return p;
}
void *memalign(size_t alignment, size_t n) { void *p = __libc_memalign(alignment, n); add(p); return p; }
void *aligned_alloc(size_t alignment, size_t n) { return memalign(alignment, n); }
int posix_memalign(void **result, size_t alignment, size_t n)
{
    void *p = __libc_memalign(alignment, n);
    if (!p) return ENOMEM;
    add(p);
    *result = p;
    return 0;
}

__attribute__((destructor)) static void report(void)
{
    char line[128];
    int length = snprintf(line, sizeof line, "malloc_counter: native allocations peaked at %.0f MiB (%.0f MiB at exit)\n",
                          peak / 1048576.0, current / 1048576.0);
    if (write(2, line, (size_t)length) < 0) return;
    malloc_stats();
}
