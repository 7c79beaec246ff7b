/* The symbolizer, from the dynamic loader's tables (dladdr). The main
 * program's path, which the loader leaves empty, comes from /proc/self/exe. */
#define _GNU_SOURCE
#include "symbolize.h"

#include <dlfcn.h>
#include <errno.h>
#include <unistd.h>

static const char *executable_path(void)
{
    static char path[4096];
    if (!path[0]) {
        int saved = errno;
        ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
        path[n > 0 ? n : 0] = '\0';
        errno = saved;
    }
    return path[0] ? path : NULL;
}

bool hs_symbolize(uintptr_t pc, bool return_address, struct hs_frame *f)
{
    Dl_info info;
    *f = (struct hs_frame){.pc = pc};
    if (return_address)
        pc--;
    if (!dladdr((void *)pc, &info))
        return false;
    f->module = info.dli_fname && info.dli_fname[0] ? info.dli_fname : executable_path();
    f->offset = f->pc - (uintptr_t)info.dli_fbase;
    if (info.dli_sname && (uintptr_t)info.dli_saddr <= pc)
        f->function = info.dli_sname;
    return true;
}
