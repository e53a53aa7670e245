/* Where the native heap's holes come from: an LD_PRELOAD shim that records every malloc/free (sequence number,
 * address, usable size, thread, and for blocks under 4 KiB up to 8 return addresses) to TRACE_FILE, and the process's
 * maps to TRACE_FILE.maps at exit. tests/benchmarks/heap_trace.py reads both (README, Performance: where the
 * difference in peak memory came from). Slows a step about 1.5x; 2 rounds of `bench train` write about 200 MB.
 *
 *   gcc -O2 -shared -fPIC -o /tmp/malloc_trace.so tests/benchmarks/malloc_trace.c
 *   DOTNET_PerfMapEnabled=1 TRACE_FILE=/tmp/heap.trace LD_PRELOAD=/tmp/malloc_trace.so \
 *       dotnet lib/VisionLab.Cli/bin/Release/net10.0/VisionLab.Cli.dll bench train --model modern-cnn --rounds 2
 *   /usr/bin/python3 tests/benchmarks/heap_trace.py /tmp/heap.trace
 */
#define _GNU_SOURCE
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

/* heap_trace.py reads this layout (104 bytes). */
typedef struct { uint64_t seq, ptr, size, caller; uint32_t tid, op; uint64_t frames[8]; } event;
enum { ALLOCATED = 0, FREED = 1, BUFFERED = 256 };   /* a small per-thread buffer: static TLS is scarce for threads */

static int fd = -1;
static uint64_t next_seq;
static __thread event buffer[BUFFERED];
static __thread int used, inside;

static void flush(void)
{
    if (used && fd >= 0 && write(fd, buffer, used * sizeof(event)) < 0) fd = -1;
    used = 0;
}

static void record(int op, void *p, void *caller)
{
    if (fd < 0 || inside || !p) return;
    inside = 1;   /* backtrace() may allocate on its first call */
    event *e = &buffer[used++];
    memset(e, 0, sizeof *e);
    e->seq = __atomic_fetch_add(&next_seq, 1, __ATOMIC_RELAXED);
    e->ptr = (uint64_t)p;
    e->caller = (uint64_t)caller;
    e->tid = (uint32_t)syscall(SYS_gettid);
    e->op = op;
    if (op == ALLOCATED) {
        e->size = malloc_usable_size(p);
        if (e->size < 4096) {
            void *frames[10];
            int n = backtrace(frames, 10);   /* [0] record, [1] the malloc below */
            for (int k = 2; k < n; k++) e->frames[k - 2] = (uint64_t)frames[k];
        }
    }
    if (used == BUFFERED) flush();
    inside = 0;
}

__attribute__((constructor)) static void open_trace(void)
{
    const char *path = getenv("TRACE_FILE");
    if (path) fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
}

__attribute__((destructor)) static void close_trace(void)
{
    flush();   /* the exiting thread's; other threads' last partial buffers are lost, a few hundred events at most */
    const char *path = getenv("TRACE_FILE");
    if (!path || fd < 0) return;
    char maps[4096];
    snprintf(maps, sizeof maps, "%s.maps", path);
    int in = open("/proc/self/maps", O_RDONLY), out = open(maps, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    char chunk[65536];
    ssize_t n;
    while (in >= 0 && out >= 0 && (n = read(in, chunk, sizeof chunk)) > 0)
        if (write(out, chunk, (size_t)n) < 0) break;
    if (in >= 0) close(in);
    if (out >= 0) close(out);
}

#define CALLER __builtin_return_address(0)
void *malloc(size_t n) { void *p = __libc_malloc(n); record(ALLOCATED, p, CALLER); return p; }
void free(void *p) { record(FREED, p, CALLER); __libc_free(p); }
void *calloc(size_t count, size_t n) { void *p = __libc_calloc(count, n); record(ALLOCATED, p, CALLER); return p; }
void *realloc(void *old, size_t n)
{
    record(FREED, old, CALLER);   /* before the call, so no other thread can be handed the block first */
    void *p = __libc_realloc(old, n);
    record(ALLOCATED, p, CALLER);
    return p;
}
void *memalign(size_t alignment, size_t n) { void *p = __libc_memalign(alignment, n); record(ALLOCATED, p, CALLER); return p; }
void *aligned_alloc(size_t alignment, size_t n) { void *p = __libc_memalign(alignment, n); record(ALLOCATED, p, CALLER); return p; }
int posix_memalign(void **result, size_t alignment, size_t n)
{
    void *p = __libc_memalign(alignment, n);
    if (!p) return ENOMEM;
    record(ALLOCATED, p, CALLER);
    *result = p;
    return 0;
}
