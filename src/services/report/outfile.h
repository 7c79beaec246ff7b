/* Files the shim writes to (the report and the trace), opened so that a
 * hostile or unlucky path can neither hang the process nor let anyone in:
 *
 *   - "%p" in the name becomes the process id;
 *   - the file is created (mode 0644 less the umask) if it does not exist,
 *     and then it is the shim's: the mode of a file the shim did not create
 *     is never changed;
 *   - an existing file is appended to, never truncated (every process of a
 *     program writing to one file keeps its report), and it must be a regular
 *     file or a character device (/dev/null, /dev/full, a terminal): a FIFO,
 *     a socket, a directory, a block device or a symbolic link at the last
 *     component is refused, and the open never blocks (O_NONBLOCK, cleared
 *     once the type is known);
 *   - in a sticky directory that others may write to (/tmp), a file that
 *     belongs neither to the process's user nor to the directory's owner is
 *     refused, as the kernel's protected_regular rule does at its strictest,
 *     whatever the sysctl says: another user cannot plant the file the shim
 *     will write.
 *
 * Depends on libc only; allocates nothing; leaves errno as it was. */
#ifndef HS_OUTFILE_H
#define HS_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* What a file is, to recognise it when it is opened again. */
struct hs_file_id {
    dev_t dev;
    ino_t ino;
};

/* Copies dest into path (cap bytes) with each "%p" replaced by the process
 * id; false if it does not fit. */
bool hs_outfile_expand(char *path, size_t cap, const char *dest);

/* Opens dest (a path, "%p" expanded) for appending under the rules above and
 * returns the descriptor (close-on-exec), filling *id. With `create` the file
 * is created if missing; with `expect` the file must be that one (a file
 * opened again). On failure returns -1 and sets *why to a sentence fragment
 * saying why, to follow "PATH: " ("a FIFO, not a regular file or a character
 * device", or the system's description of the error). */
int hs_outfile_open(const char *dest, bool create, const struct hs_file_id *expect,
                    struct hs_file_id *id, const char **why);

/* The system's description of an errno value, untranslated (so it cannot
 * allocate). */
const char *hs_errno_text(int error);

/* "a FIFO", "a directory", ...: the kind of file a mode says. */
const char *hs_file_type_name(mode_t mode);

#endif
