/* The symbol index. Aliases at one address are ranked (a sized symbol over
 * an unsized one, global over local, a plain name over a versioned one, then
 * fewer leading underscores: `malloc` over `__libc_malloc`, then the shorter
 * name) and only the best is kept, so a lookup is one binary search. */
#include "services/symbols/elf_symbols.h"

#include <elf.h>
#include <string.h>

#include "services/mem/sort.h"

static uint32_t rank_of(const Elf64_Sym *s, const char *name, bool versioned)
{
    unsigned bind = ELF64_ST_BIND(s->st_info);
    unsigned underscores = 0;
    while (underscores < 3 && name[underscores] == '_')
        underscores++;
    return (s->st_size != 0) << 4 | (bind == STB_GLOBAL || bind == STB_WEAK) << 3 |
           (!versioned) << 2 | (3 - underscores);
}

static void add_table(struct hs_symbols *syms, const struct hs_section *table,
                      const struct hs_section *strings, struct hs_arena *names)
{
    size_t count = table->size / sizeof(Elf64_Sym);
    for (size_t i = 0; i < count && syms->count < syms->capacity; i++) {
        Elf64_Sym s; /* copied: the table need not be aligned */
        memcpy(&s, table->data + i * sizeof s, sizeof s);
        unsigned type = ELF64_ST_TYPE(s.st_info);
        if ((type != STT_FUNC && type != STT_GNU_IFUNC) || s.st_shndx == SHN_UNDEF ||
            s.st_value == 0 || s.st_name == 0 || s.st_name >= strings->size)
            continue;
        const char *name = (const char *)strings->data + s.st_name;
        size_t room = strings->size - s.st_name;
        size_t len = strnlen(name, room);
        if (len == room || len == 0)
            continue;
        const char *at = memchr(name, '@', len);
        bool versioned = at && at != name;
        uint32_t rank = rank_of(&s, name, versioned);
        if (versioned) {
            const char *plain = hs_arena_strndup(names, name, (size_t)(at - name));
            if (plain)
                name = plain;
        }
        syms->items[syms->count++] = (struct hs_symbol){s.st_value, s.st_size, name, rank};
    }
}

static bool symbol_less(const void *a, const void *b)
{
    const struct hs_symbol *x = a, *y = b;
    return x->value < y->value;
}

/* Of two aliases, whether x names the address better. */
static bool better(const struct hs_symbol *x, const struct hs_symbol *y)
{
    if (x->rank != y->rank)
        return x->rank > y->rank;
    size_t xl = strlen(x->name), yl = strlen(y->name); /* fopen over fopen64 */
    return xl != yl ? xl < yl : strcmp(x->name, y->name) < 0;
}

bool hs_symbols_load(struct hs_symbols *syms, const struct hs_elf *elf, const struct hs_elf *debug,
                     struct hs_arena *names)
{
    memset(syms, 0, sizeof *syms);
    const struct hs_section *symtab = NULL, *strtab = NULL;
    if (debug && debug->symtab.data) {
        symtab = &debug->symtab;
        strtab = &debug->strtab;
    } else if (elf->symtab.data) {
        symtab = &elf->symtab;
        strtab = &elf->strtab;
    }
    size_t total = (symtab ? symtab->size / sizeof(Elf64_Sym) : 0) +
                   (elf->dynsym.data ? elf->dynsym.size / sizeof(Elf64_Sym) : 0);
    if (total == 0 ||
        !hs_array_reserve((void **)&syms->items, &syms->capacity, sizeof *syms->items, total))
        return false;
    if (symtab)
        add_table(syms, symtab, strtab, names);
    if (elf->dynsym.data)
        add_table(syms, &elf->dynsym, &elf->dynstr, names);
    if (!hs_radix_sort(syms->items, syms->count, sizeof *syms->items))
        hs_sort(syms->items, syms->count, sizeof *syms->items, symbol_less);
    /* One per address: the best named, with the largest size seen. */
    size_t kept = 0;
    for (size_t i = 0; i < syms->count; i++) {
        struct hs_symbol *s = &syms->items[i], *last = kept ? &syms->items[kept - 1] : NULL;
        if (!last || last->value != s->value) {
            syms->items[kept++] = *s;
        } else {
            uint64_t size = last->size > s->size ? last->size : s->size;
            if (better(s, last))
                *last = *s;
            last->size = size;
        }
    }
    syms->count = kept;
    return kept > 0;
}

const char *hs_symbols_find(const struct hs_symbols *syms, uint64_t vaddr)
{
    _Static_assert(offsetof(struct hs_symbol, value) == 0, "searched by value");
    size_t lo = hs_search_last_at_most(syms->items, syms->count, sizeof *syms->items, vaddr);
    if (lo == SIZE_MAX)
        return NULL;
    const struct hs_symbol *s = &syms->items[lo];
    if (s->size == 0 || vaddr - s->value < s->size)
        return s->name;
    /* Past the nearest symbol's end: a function that encloses it (a nested
     * local symbol), looked for a little way back. */
    for (size_t back = 1; back <= 16 && back <= lo; back++) {
        const struct hs_symbol *outer = &syms->items[lo - back];
        if (outer->size && vaddr - outer->value < outer->size)
            return outer->name;
    }
    return NULL;
}
