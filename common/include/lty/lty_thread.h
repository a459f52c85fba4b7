/* SPDX-License-Identifier: MIT */
/**
 * @file lty_thread.h
 * A thread's own CPU priority.
 *
 * Owns: lty_thread_nice only. On Linux a thread's nice value is its own: setpriority on the
 * thread id changes the calling thread and no other. Used for the threads that must give the
 * tills the CPU first when both cores are busy (the member portal's loop, the report worker).
 */
#ifndef LTY_THREAD_H
#define LTY_THREAD_H

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/** Set the calling thread's nice value (0..19; higher yields the CPU). 0, or -1 with errno. */
static inline int lty_thread_nice(int nice)
{
    return setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), nice);
}

#endif /* LTY_THREAD_H */
