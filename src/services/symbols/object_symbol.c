/* A symbol's definition in one loaded object: its dynamic section gives the
 * symbol table, the names and the GNU hash table (every object the GNU
 * toolchain has linked for years has one), which leads from the name's hash
 * to the few symbols that may carry it, as in the loader's own lookup. */
#define _GNU_SOURCE
#include "services/symbols/object_symbol.h"

#include <dlfcn.h>
#include <link.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

struct dynamic_tables {
    const ElfW(Sym) * symbols;
    const char *names;
    const uint32_t *gnu_hash;
    const ElfW(Half) * versions; /* NULL when the object has no versions */
};

/* glibc rewrites the table addresses in a writable dynamic section to
 * absolute ones, and leaves them relative to the load base elsewhere (a
 * read-only dynamic section, RISC-V, MIPS): an address below the base is
 * relative. */
static const void *table_address(const struct link_map *map, ElfW(Addr) value)
{
    return (const void *)(value < map->l_addr ? map->l_addr + value : value);
}

static struct dynamic_tables dynamic_tables(const struct link_map *map)
{
    struct dynamic_tables t = {NULL, NULL, NULL, NULL};
    for (const ElfW(Dyn) *d = map->l_ld; d->d_tag != DT_NULL; d++) {
        if (d->d_tag == DT_SYMTAB)
            t.symbols = table_address(map, d->d_un.d_ptr);
        else if (d->d_tag == DT_STRTAB)
            t.names = table_address(map, d->d_un.d_ptr);
        else if (d->d_tag == DT_GNU_HASH)
            t.gnu_hash = table_address(map, d->d_un.d_ptr);
        else if (d->d_tag == DT_VERSYM)
            t.versions = table_address(map, d->d_un.d_ptr);
    }
    return t;
}

static uint32_t gnu_hash(const char *name)
{
    uint32_t h = 5381;
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        h = h * 33 + *c;
    return h;
}

/* A defined function of this name, in its default version (a hidden
 * version is an old one kept for old binaries). */
static bool defines(const struct dynamic_tables *t, uint32_t index, const char *name)
{
    const ElfW(Sym) *s = &t->symbols[index];
    return s->st_shndx != SHN_UNDEF && ELF64_ST_TYPE(s->st_info) == STT_FUNC &&
           !(t->versions && (t->versions[index] & 0x8000)) &&
           strcmp(t->names + s->st_name, name) == 0;
}

void *hs_object_symbol(const void *in_object, const char *name)
{
    Dl_info info;
    struct link_map *map = NULL;
    if (!dladdr1(in_object, &info, (void **)&map, RTLD_DL_LINKMAP) || !map)
        return NULL;
    struct dynamic_tables t = dynamic_tables(map);
    if (!t.symbols || !t.names || !t.gnu_hash)
        return NULL;
    /* nbuckets, symoffset, bloom words, bloom shift, the bloom filter, the
     * buckets, then a chain entry per symbol from symoffset on. */
    uint32_t buckets = t.gnu_hash[0], first = t.gnu_hash[1], bloom_words = t.gnu_hash[2];
    const uint32_t *bucket = (const uint32_t *)((const ElfW(Addr) *)(t.gnu_hash + 4) + bloom_words);
    const uint32_t *chain = bucket + buckets;
    uint32_t hash = gnu_hash(name);
    uint32_t index = buckets ? bucket[hash % buckets] : 0;
    if (index < first)
        return NULL;
    for (;; index++) {
        uint32_t entry = chain[index - first];
        if ((entry | 1) == (hash | 1) && defines(&t, index, name))
            return (void *)(map->l_addr + t.symbols[index].st_value);
        if (entry & 1)
            return NULL;
    }
}
