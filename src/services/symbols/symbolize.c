/* The symbolizer: module and offset from the loader (dladdr), the load bias,
 * code segments and build id from the module's program headers in memory
 * (dl_iterate_phdr), function names from the module's own symbol tables read
 * from the file on disk (so static functions of executables are named), and
 * source lines from its DWARF line table, or from a separate debug file
 * under /usr/lib/debug/.build-id when one is installed.
 *
 * Each module is opened once, at its first frame, and kept: its file stays
 * mapped, and its symbol index and line table are built at their first use,
 * in the shim's own regions. Strings handed out point into the mapped files
 * or into an arena that is never freed, so they outlive the call. Nothing
 * here allocates from the heap or uses stdio. */
#define _GNU_SOURCE
#include "services/symbols/symbolize.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <string.h>
#include <unistd.h>

#include "services/core/lock.h"
#include "services/symbols/dwarf_lines.h"
#include "services/symbols/elf_arena.h"
#include "services/symbols/elf_file.h"
#include "services/symbols/elf_symbols.h"

#define MODULES_MAX 64
#define CODE_RANGES_MAX 8

struct module {
    uintptr_t base;   /* dli_fbase: with key, identifies the module */
    const char *key;  /* dli_fname, copied */
    const char *path; /* what frames name: the file's path, copied */
    bool bias_known;
    uintptr_t bias; /* load bias: vaddr = pc - bias */
    struct hs_code_range code[CODE_RANGES_MAX];
    size_t code_count;
    bool opened, has_debug;
    struct hs_elf elf, debug;
    bool symbols_loaded;
    struct hs_symbols symbols;
    bool lines_loaded, has_lines;
    struct hs_line_table lines;
};

static struct module modules[MODULES_MAX];
static size_t module_count;
static struct hs_arena strings;
static hs_lock modules_lock = HS_LOCK_INIT;
static bool loader_names_only; /* hs_symbolize_fork_child */

/* What the loader knows of the object that holds pc. */
struct object_query {
    uintptr_t pc;
    bool found;
    uintptr_t bias;
    const char *name;
    struct hs_code_range code[CODE_RANGES_MAX];
    size_t code_count;
    uint8_t build_id[HS_BUILD_ID_MAX];
    size_t build_id_size;
};

static bool loaded_at(const struct dl_phdr_info *info, uint64_t vaddr, uint64_t size)
{
    for (unsigned i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD && ph->p_vaddr <= vaddr && vaddr - ph->p_vaddr <= ph->p_filesz &&
            size <= ph->p_filesz - (vaddr - ph->p_vaddr))
            return true;
    }
    return false;
}

static int find_object(struct dl_phdr_info *info, size_t size, void *data)
{
    struct object_query *q = data;
    (void)size;
    bool contains = false;
    for (unsigned i = 0; i < info->dlpi_phnum && !contains; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        contains = ph->p_type == PT_LOAD && q->pc - (info->dlpi_addr + ph->p_vaddr) < ph->p_memsz;
    }
    if (!contains)
        return 0;
    q->found = true;
    q->bias = info->dlpi_addr;
    q->name = info->dlpi_name;
    for (unsigned i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && q->code_count < CODE_RANGES_MAX)
            q->code[q->code_count++] =
                (struct hs_code_range){ph->p_vaddr, ph->p_vaddr + ph->p_memsz};
        /* The build id as loaded, read only where a segment maps it. */
        if (ph->p_type == PT_NOTE && !q->build_id_size &&
            loaded_at(info, ph->p_vaddr, ph->p_filesz))
            q->build_id_size = hs_elf_note_build_id(
                (const uint8_t *)(info->dlpi_addr + ph->p_vaddr), ph->p_filesz, q->build_id);
    }
    return 1;
}

static const char *copy(const char *s)
{
    return s ? hs_arena_strndup(&strings, s, strlen(s)) : NULL;
}

/* Opens the module's file and its debug file. The file must be the one
 * loaded: when both have a build id, they must be equal. */
static void open_files(struct module *m, const char *file, const struct object_query *q)
{
    if (!file || !strchr(file, '/')) /* linux-vdso.so.1 and the like: no file */
        return;
    if (!hs_elf_open(file, &m->elf))
        return;
    if (q->build_id_size && m->elf.build_id_size &&
        (m->elf.build_id_size != q->build_id_size ||
         memcmp(m->elf.build_id, q->build_id, q->build_id_size) != 0)) {
        hs_elf_close(&m->elf); /* replaced on disk since it was loaded */
        return;
    }
    m->opened = true;
    const uint8_t *id = q->build_id_size ? q->build_id : m->elf.build_id;
    size_t id_size = q->build_id_size ? q->build_id_size : m->elf.build_id_size;
    m->has_debug = hs_elf_open_debug(id, id_size, &m->debug);
}

/* The module record for a loaded object, opened on first use; NULL when
 * the table is full. Lock held. */
static struct module *module_for(const Dl_info *info, uintptr_t pc)
{
    uintptr_t base = (uintptr_t)info->dli_fbase;
    const char *key = info->dli_fname ? info->dli_fname : "";
    for (size_t i = 0; i < module_count; i++)
        if (modules[i].base == base && modules[i].key && strcmp(modules[i].key, key) == 0)
            return &modules[i];
    if (module_count == MODULES_MAX)
        return NULL;
    struct module *m = &modules[module_count];
    memset(m, 0, sizeof *m);
    m->base = base;
    m->key = copy(key);
    if (!m->key)
        return NULL;
    module_count++;

    struct object_query q = {.pc = pc};
    dl_iterate_phdr(find_object, &q);
    const char *file = NULL;
    if (q.found) {
        m->bias_known = true;
        m->bias = q.bias;
        memcpy(m->code, q.code, sizeof q.code);
        m->code_count = q.code_count;
        if (q.name && q.name[0]) {
            m->path = copy(q.name);
            file = m->path;
        } else { /* the main program: its map has no name, dladdr gives argv[0] */
            static char exe[4096];
            ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
            exe[n > 0 ? n : 0] = '\0';
            m->path = exe[0] ? copy(exe) : NULL;
            file = "/proc/self/exe"; /* the loaded file even if moved or deleted */
        }
    }
    if (!m->path)
        m->path = m->key[0] ? m->key : NULL;
    if (q.found)
        open_files(m, file, &q);
    return m;
}

static const char *function_in(struct module *m, uintptr_t vaddr)
{
    if (!m->opened)
        return NULL;
    if (!m->symbols_loaded) {
        m->symbols_loaded = true;
        hs_symbols_load(&m->symbols, &m->elf, m->has_debug ? &m->debug : NULL, &strings);
    }
    return hs_symbols_find(&m->symbols, vaddr);
}

static bool line_in(struct module *m, uintptr_t vaddr, const char **file, unsigned *line)
{
    if (!m->opened)
        return false;
    if (!m->lines_loaded) {
        m->lines_loaded = true;
        struct hs_elf *from =
            m->has_debug && (m->debug.debug_line.data || m->debug.debug_line.packed) ? &m->debug
                                                                                     : &m->elf;
        m->has_lines = hs_lines_load(from, m->code, m->code_count, &strings, &m->lines);
        if (!m->has_lines && from == &m->debug)
            m->has_lines = hs_lines_load(&m->elf, m->code, m->code_count, &strings, &m->lines);
    }
    return m->has_lines && hs_lines_find(&m->lines, vaddr, file, line);
}

/* Frames symbolized before, by address: a report names the same frames
 * (main, the C library's start) in many stacks, and each is worked out
 * once. An entry counts only for the module it was made in, since an
 * address can change hands between dlclose and dlopen. Lock held. */
#define FRAMES_CACHED 1024

static struct cached_frame {
    uintptr_t at;
    const struct module *module;
    struct hs_frame frame;
} frames[FRAMES_CACHED];

static void describe(struct module *m, const Dl_info *info, uintptr_t at, struct hs_frame *f)
{
    if (m) {
        f->module = m->path;
        if (m->bias_known) {
            uintptr_t vaddr = at - m->bias;
            f->function = function_in(m, vaddr);
            if (!line_in(m, vaddr, &f->file, &f->line))
                f->file = NULL, f->line = 0;
        }
    }
    if (!f->function && info->dli_sname && (uintptr_t)info->dli_saddr <= at)
        f->function = copy(info->dli_sname); /* the loader's copy goes with the module */
}

bool hs_symbolize(uintptr_t pc, bool return_address, struct hs_frame *f)
{
    Dl_info info;
    *f = (struct hs_frame){.pc = pc};
    uintptr_t at = return_address && pc ? pc - 1 : pc; /* the call, not what follows */
    int saved = errno;
    if (!dladdr((void *)at, &info)) {
        errno = saved;
        return false;
    }
    f->offset = pc - (uintptr_t)info.dli_fbase;
    f->module = info.dli_fname;
    if (loader_names_only) {
        if (info.dli_sname && (uintptr_t)info.dli_saddr <= at)
            f->function = info.dli_sname;
        errno = saved;
        return true;
    }
    hs_lock_acquire(&modules_lock);
    struct module *m = module_for(&info, at);
    struct cached_frame *c = &frames[(at ^ (at >> 12)) % FRAMES_CACHED];
    if (m && c->at == at && c->module == m) {
        *f = c->frame;
    } else {
        describe(m, &info, at, f);
        if (m)
            *c = (struct cached_frame){at, m, *f};
    }
    hs_lock_release(&modules_lock);
    f->pc = pc;
    f->offset = pc - (uintptr_t)info.dli_fbase;
    errno = saved;
    return true;
}

void hs_symbolize_fork_child(void)
{
    if (__atomic_load_n(&modules_lock.state, __ATOMIC_RELAXED) != 0) {
        loader_names_only = true;
        hs_lock_reset(&modules_lock);
    }
}
