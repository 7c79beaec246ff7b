/* ELF files for the symbolizer. Every offset read from the file is checked
 * against the file's size before use. */
#define _GNU_SOURCE
#include "services/symbols/elf_file.h"

#include <elf.h>
#include <string.h>

#include "services/core/os.h"
#include "services/symbols/inflate.h"

/* Larger inflated sections than this are left alone. */
#define INFLATED_MAX ((size_t)1 << 30)

static bool in_file(const struct hs_elf *elf, uint64_t offset, uint64_t size)
{
    return offset <= elf->size && size <= elf->size - offset;
}

static void take_section(const struct hs_elf *elf, const Elf64_Shdr *sh, struct hs_section *out)
{
    if (out->data || out->packed) /* the first of a name wins */
        return;
    if (sh->sh_type == SHT_NOBITS || !in_file(elf, sh->sh_offset, sh->sh_size) || sh->sh_size == 0)
        return;
    const uint8_t *data = elf->image + sh->sh_offset;
    if (sh->sh_flags & SHF_COMPRESSED) {
        out->packed = data;
        out->packed_size = sh->sh_size;
    } else {
        out->data = data;
        out->size = sh->sh_size;
    }
}

/* A symbol table and the string table it links to. */
static void take_symbols(const struct hs_elf *elf, const Elf64_Shdr *sections, unsigned count,
                         const Elf64_Shdr *sh, struct hs_section *syms, struct hs_section *strs)
{
    if (syms->data || sh->sh_entsize != sizeof(Elf64_Sym) || sh->sh_link >= count ||
        (sh->sh_flags & SHF_COMPRESSED))
        return;
    const Elf64_Shdr *link = &sections[sh->sh_link];
    if (link->sh_type != SHT_STRTAB || (link->sh_flags & SHF_COMPRESSED))
        return;
    struct hs_section s = {0}, t = {0};
    take_section(elf, sh, &s);
    take_section(elf, link, &t);
    if (s.data && t.data) {
        *syms = s;
        *strs = t;
    }
}

size_t hs_elf_note_build_id(const uint8_t *notes, size_t size, uint8_t id[HS_BUILD_ID_MAX])
{
    size_t at = 0;
    while (size - at >= 12) {
        uint32_t namesz, descsz, type;
        memcpy(&namesz, notes + at, 4);
        memcpy(&descsz, notes + at + 4, 4);
        memcpy(&type, notes + at + 8, 4);
        at += 12;
        size_t name_room = ((size_t)namesz + 3) & ~(size_t)3;
        size_t desc_room = ((size_t)descsz + 3) & ~(size_t)3;
        if (name_room > size - at)
            return 0;
        const uint8_t *name = notes + at;
        at += name_room;
        if (descsz > size - at)
            return 0;
        if (type == NT_GNU_BUILD_ID && namesz == 4 && memcmp(name, "GNU", 4) == 0) {
            if (descsz == 0 || descsz > HS_BUILD_ID_MAX)
                return 0;
            memcpy(id, notes + at, descsz);
            return descsz;
        }
        if (desc_room > size - at)
            return 0;
        at += desc_room;
    }
    return 0;
}

bool hs_elf_open(const char *path, struct hs_elf *elf)
{
    memset(elf, 0, sizeof *elf);
    elf->image = hs_os_map_file(path, &elf->size);
    if (!elf->image)
        return false;
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)elf->image;
    if (elf->size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
        eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
        eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shnum == 0 || (eh->e_shoff & 7) != 0 ||
        !in_file(elf, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)) ||
        eh->e_shstrndx >= eh->e_shnum) {
        hs_elf_close(elf);
        return false;
    }
    const Elf64_Shdr *sections = (const Elf64_Shdr *)(elf->image + eh->e_shoff);
    const Elf64_Shdr *names = &sections[eh->e_shstrndx];
    bool named = names->sh_type != SHT_NOBITS && in_file(elf, names->sh_offset, names->sh_size);
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        const Elf64_Shdr *sh = &sections[i];
        if (sh->sh_type == SHT_NOTE && !elf->build_id_size &&
            in_file(elf, sh->sh_offset, sh->sh_size))
            elf->build_id_size =
                hs_elf_note_build_id(elf->image + sh->sh_offset, sh->sh_size, elf->build_id);
        if (sh->sh_type == SHT_SYMTAB) {
            take_symbols(elf, sections, eh->e_shnum, sh, &elf->symtab, &elf->strtab);
            continue;
        }
        if (sh->sh_type == SHT_DYNSYM) {
            take_symbols(elf, sections, eh->e_shnum, sh, &elf->dynsym, &elf->dynstr);
            continue;
        }
        if (!named || sh->sh_name >= names->sh_size)
            continue;
        const char *name = (const char *)elf->image + names->sh_offset + sh->sh_name;
        size_t room = names->sh_size - sh->sh_name;
        if (strnlen(name, room) == room)
            continue;
        if (strcmp(name, ".debug_line") == 0)
            take_section(elf, sh, &elf->debug_line);
        else if (strcmp(name, ".debug_line_str") == 0)
            take_section(elf, sh, &elf->debug_line_str);
        else if (strcmp(name, ".debug_str") == 0)
            take_section(elf, sh, &elf->debug_str);
    }
    return true;
}

void hs_elf_close(struct hs_elf *elf)
{
    hs_os_unmap_file(elf->image, elf->size);
    memset(elf, 0, sizeof *elf);
}

bool hs_elf_open_debug(const uint8_t *id, size_t id_size, struct hs_elf *debug)
{
    static const char prefix[] = "/usr/lib/debug/.build-id/";
    static const char hex[] = "0123456789abcdef";
    char path[sizeof prefix + 2 * HS_BUILD_ID_MAX + 8];
    if (id_size < 2 || id_size > HS_BUILD_ID_MAX)
        return false;
    size_t n = sizeof prefix - 1;
    memcpy(path, prefix, n);
    for (size_t i = 0; i < id_size; i++) {
        path[n++] = hex[id[i] >> 4];
        path[n++] = hex[id[i] & 15];
        if (i == 0)
            path[n++] = '/';
    }
    memcpy(path + n, ".debug", 7);
    if (!hs_elf_open(path, debug))
        return false;
    /* The file must be the one for this build. */
    if (debug->build_id_size &&
        (debug->build_id_size != id_size || memcmp(debug->build_id, id, id_size) != 0)) {
        hs_elf_close(debug);
        return false;
    }
    return true;
}

const uint8_t *hs_elf_section(struct hs_section *s)
{
    if (s->data || !s->packed || s->inflate_failed)
        return s->data;
    s->inflate_failed = true; /* until it works */
    Elf64_Chdr ch;
    if (s->packed_size < sizeof ch)
        return NULL;
    memcpy(&ch, s->packed, sizeof ch);
    if (ch.ch_type != ELFCOMPRESS_ZLIB || ch.ch_size == 0 || ch.ch_size > INFLATED_MAX)
        return NULL;
    /* Mapped, not taken from bulk memory: the exit report of a process
     * that exit()s from a signal handler symbolizes while the interrupted
     * call may hold the bulk lock. Sealed, it is no root of the scan. */
    uint8_t *out = hs_os_map(ch.ch_size, false);
    if (!out)
        return NULL;
    if (!hs_inflate_zlib(s->packed + sizeof ch, s->packed_size - sizeof ch, out, ch.ch_size)) {
        hs_os_unmap(out, ch.ch_size);
        return NULL;
    }
    if (!hs_os_seal(out, ch.ch_size)) { /* writable, it would be a root of the scan */
        hs_os_unmap(out, ch.ch_size);
        return NULL;
    }
    s->inflate_failed = false;
    s->data = out;
    s->size = ch.ch_size;
    return out;
}
