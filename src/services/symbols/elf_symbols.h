/* Function symbols of a module, from its .symtab (or its debug file's) and
 * its .dynsym, indexed once by address for binary search. */
#ifndef HS_ELF_SYMBOLS_H
#define HS_ELF_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "services/symbols/elf_arena.h"
#include "services/symbols/elf_file.h"

struct hs_symbol {
    uint64_t value, size;
    const char *name;
    uint32_t rank; /* among aliases of one address, the highest is kept */
};

struct hs_symbols {
    struct hs_symbol *items; /* sorted by value, one per address */
    size_t count, capacity;
};

/* Indexes the STT_FUNC and STT_GNU_IFUNC symbols of debug's .symtab (debug
 * may be NULL), else elf's .symtab, together with elf's .dynsym. Version
 * suffixes (name@VERSION) are dropped, copies made in names. False (and an
 * empty index) when there are none or memory runs out. */
bool hs_symbols_load(struct hs_symbols *syms, const struct hs_elf *elf, const struct hs_elf *debug,
                     struct hs_arena *names);

/* The function containing vaddr: the symbol with the largest value <= vaddr
 * whose [value, value + size) holds it, or, when that nearest symbol has no
 * size, that one. NULL if none. */
const char *hs_symbols_find(const struct hs_symbols *syms, uint64_t vaddr);

#endif
