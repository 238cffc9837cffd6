/* faultinject: an LD_PRELOAD library for fault tests (tests/crash). It fails
 * fsync/fdatasync with EIO and malloc/calloc/realloc with ENOMEM on demand,
 * steered through a small control file shared with the test (path in
 * RAPPORT_FAULT_CTL, mapped at start): the test flips the switches while the
 * server runs, and reads back how many faults were injected. Used with the
 * release binary (ASan's allocator would sit in front of this one). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

struct ctl {
    int32_t fail_fsync;       /* non-zero: every fsync/fdatasync fails with EIO */
    int32_t oom_every;        /* N > 0: every Nth allocation fails with ENOMEM */
    int32_t fsync_failed;     /* written here: faults injected so far */
    int32_t oom_failed;
    int32_t alloc_count;
};

static struct ctl *g_ctl;

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

__attribute__((constructor)) static void fault_init(void)
{
    const char *path = getenv("RAPPORT_FAULT_CTL");
    if (!path) return;
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) return;
    void *p = mmap(NULL, sizeof(struct ctl), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p != MAP_FAILED) g_ctl = p;
}

static int oom_now(void)
{
    struct ctl *c = g_ctl;
    if (!c) return 0;
    int every = __atomic_load_n(&c->oom_every, __ATOMIC_RELAXED);
    if (every <= 0) return 0;
    int n = __atomic_add_fetch(&c->alloc_count, 1, __ATOMIC_RELAXED);
    if (n % every) return 0;
    __atomic_add_fetch(&c->oom_failed, 1, __ATOMIC_RELAXED);
    errno = ENOMEM;
    return 1;
}

void *malloc(size_t n) { return oom_now() ? NULL : __libc_malloc(n); }
void *calloc(size_t a, size_t b) { return oom_now() ? NULL : __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { return n && oom_now() ? NULL : __libc_realloc(p, n); }

static int fsync_fails(void)
{
    struct ctl *c = g_ctl;
    if (!c || !__atomic_load_n(&c->fail_fsync, __ATOMIC_RELAXED)) return 0;
    __atomic_add_fetch(&c->fsync_failed, 1, __ATOMIC_RELAXED);
    errno = EIO;
    return 1;
}

int fsync(int fd) { return fsync_fails() ? -1 : (int)syscall(SYS_fsync, fd); }
int fdatasync(int fd) { return fsync_fails() ? -1 : (int)syscall(SYS_fdatasync, fd); }
