/* The symbolizer: module and offset from the loader, function names from the
 * module's own symbol tables read from the file on disk (so static functions
 * of executables are named), and source lines from its DWARF line table,
 * or from a separate debug file under /usr/lib/debug when one is installed.
 * Each module is opened once, at its first frame, and kept. */
#define _GNU_SOURCE
#include "symbolize.h"

#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <string.h>
#include <unistd.h>

#include "dwarf_lines.h"
#include "elf_file.h"
#include "lock.h"

#define MODULES_MAX 64

struct module {
    uintptr_t base;            /* dli_fbase: identifies the module */
    uintptr_t bias;            /* load bias: vaddr = pc - bias */
    const char *path;
    bool opened;
    struct hs_elf elf, debug;
    bool has_debug;
    bool lines_loaded;
    struct hs_line_table lines;
};

static struct module modules[MODULES_MAX];
static size_t module_count;
static hs_lock modules_lock = HS_LOCK_INIT;

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

/* The module record for a loaded object, opened on first use; NULL when
 * the table is full. Lock held. */
static struct module *module_for(const Dl_info *info, uintptr_t pc)
{
    uintptr_t base = (uintptr_t)info->dli_fbase;
    for (size_t i = 0; i < module_count; i++)
        if (modules[i].base == base)
            return &modules[i];
    if (module_count == MODULES_MAX)
        return NULL;
    struct module *m = &modules[module_count++];
    memset(m, 0, sizeof *m);
    m->base = base;
    m->path = info->dli_fname;
    struct dl_find_object found;
    if (_dl_find_object((void *)pc, &found) == 0 && found.dlfo_link_map) {
        m->bias = found.dlfo_link_map->l_addr;
        /* The main program's map has no name (dladdr gives argv[0]). */
        if (!found.dlfo_link_map->l_name[0])
            m->path = executable_path();
    }
    m->opened = m->path && hs_elf_open(m->path, &m->elf);
    m->has_debug = m->opened && hs_elf_open_debug(&m->elf, &m->debug);
    return m;
}

static const char *function_in(const struct module *m, uintptr_t vaddr)
{
    const char *name = m->has_debug ? hs_elf_function(&m->debug, vaddr) : NULL;
    return name ? name : m->opened ? hs_elf_function(&m->elf, vaddr) : NULL;
}

static bool line_in(struct module *m, uintptr_t vaddr, const char **file, unsigned *line)
{
    if (!m->lines_loaded) {
        m->lines_loaded = true;
        if (!(m->has_debug && hs_lines_load(&m->debug, &m->lines)) && m->opened)
            hs_lines_load(&m->elf, &m->lines);
    }
    return hs_lines_find(&m->lines, vaddr, file, line);
}

bool hs_symbolize(uintptr_t pc, bool return_address, struct hs_frame *f)
{
    Dl_info info;
    *f = (struct hs_frame){.pc = pc};
    uintptr_t at = return_address ? pc - 1 : pc; /* the call, not what follows */
    if (!dladdr((void *)at, &info))
        return false;
    f->offset = pc - (uintptr_t)info.dli_fbase;
    hs_lock_acquire(&modules_lock);
    struct module *m = module_for(&info, at);
    if (m) {
        f->module = m->path;
        uintptr_t vaddr = at - m->bias;
        f->function = function_in(m, vaddr);
        line_in(m, vaddr, &f->file, &f->line);
    } else {
        f->module = info.dli_fname;
    }
    hs_lock_release(&modules_lock);
    if (!f->function && info.dli_sname && (uintptr_t)info.dli_saddr <= at)
        f->function = info.dli_sname;
    return true;
}
