/* memtrim: gives the pages of freed heap memory back to the system after a
 * burst of work (issue 17: RSS under 64 MB with 1 M parties).
 *
 * glibc keeps what a thread frees in that thread's arena, and a burst of
 * connections (each with its 32 KiB header pool, request and response
 * buffers) leaves several megabytes free but resident in a dozen arenas
 * once it is over. memtrim_after_burst() asks glibc to release them
 * (malloc_trim), at most once a second so that a client opening and closing
 * connections one at a time does not pay for it on every request.
 *
 * The server also caps glibc's arenas (memtrim_configure): by default a
 * process with 2 cores gets up to 16, and the 32 write workers spread over
 * all of them, each keeping its own free memory (about 6 MB more resident
 * under 64 connections of writes than with 4; the write path waits on the
 * group commit, not on the allocator). */
#ifndef RAPPORT_LIB_MEMTRIM_H
#define RAPPORT_LIB_MEMTRIM_H

/* Caps the malloc arenas; call before the server's threads start. */
void memtrim_configure(void);

/* Gives free heap pages back now (after start-up's bulk work). */
void memtrim_now(void);

/* Call when a burst has ended (the last open connection closed).
 * Thread-safe; returns at once when a trim ran less than a second ago. */
void memtrim_after_burst(void);

#endif
