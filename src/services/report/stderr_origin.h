/* The stderr the process started with: where a report to "stderr" goes.
 *
 * It is settled once, when the shim starts: if descriptor 2 is not open
 * then, such reports go nowhere, never into a file the program opens later
 * and gets number 2 for. If it is open, the shim remembers what it is
 * (device, inode, type) and where it is (its path, for a terminal or a
 * file), and holds no descriptor of its own: a program that lists its
 * descriptors, or passes them to a child, finds none of the shim's.
 *
 * When a report is written, descriptor 2 is used if it is still that file.
 * If the program has closed it (coreutils do at exit) or put another file
 * there (a data file, or a deliberate redirection), the report goes to the
 * file the process started with, as valgrind's does: the same terminal or
 * file opened again by its path and checked to be the same one, of the
 * same owner. It is opened again only if descriptor 2 was open for writing
 * at the start and the process is not in secure execution (setuid): a file
 * given as `2<file`, or to a setuid program, is never opened for writing by
 * the shim; such a process reports to descriptor 2 or to the copy below, or
 * nowhere. A pipe or
 * a socket cannot be opened again: for those (and for every kind), a copy
 * of descriptor 2 is taken when exit() begins, before the program's atexit
 * handlers run, if descriptor 2 is still that file then; so the shim holds
 * a descriptor (close-on-exec, numbered high) only while the process is
 * exiting, never while main runs. That copy is taken only when the main
 * thread calls exit() or returns from main (or ends with pthread_exit, and
 * then it is held from there on); when another thread calls exit(), or a
 * process forked from another thread does, a pipe or socket the program
 * closes before the report gets no report.
 *
 * Depends on libc and the OS layer only; allocates nothing but glibc's record of the exit
 * hook; leaves errno as it was. */
#ifndef HS_STDERR_ORIGIN_H
#define HS_STDERR_ORIGIN_H

#include <stdbool.h>

/* Settles the stderr of the process, if nothing has yet: called from the
 * shim's constructor, before the program's own constructors and main. */
void hs_stderr_settle(void);

/* From the constructor, on the main thread, after hs_stderr_settle: has
 * glibc call the shim when exit() begins, to take the copy above. The
 * registration allocates a small record through the malloc family (the
 * caller makes that allocation the shim's own), which glibc frees once the
 * copy is taken. */
void hs_stderr_keep_at_exit(void);

/* A descriptor on the process's stderr, or -1 if there is none; *owned is
 * set when it is one the caller must close. Settles stderr from descriptor 2
 * as it is now if nothing has settled it yet (a report before the
 * constructor). */
int hs_stderr_open(bool *owned);

#endif
