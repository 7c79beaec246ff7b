/* ELF files for the symbolizer. Every offset read from the file is checked
 * against the file's size before use. */
#define _GNU_SOURCE
#include "elf_file.h"

#include <elf.h>
#include <string.h>

#include "os.h"

static bool in_file(const struct hs_elf *elf, uint64_t offset, uint64_t size)
{
    return offset <= elf->size && size <= elf->size - offset;
}

static void take_section(const struct hs_elf *elf, const Elf64_Shdr *sh, struct hs_section *out)
{
    if (sh->sh_type == SHT_NOBITS || (sh->sh_flags & SHF_COMPRESSED) ||
        !in_file(elf, sh->sh_offset, sh->sh_size))
        return;
    out->data = elf->image + sh->sh_offset;
    out->size = sh->sh_size;
}

bool hs_elf_open(const char *path, struct hs_elf *elf)
{
    memset(elf, 0, sizeof *elf);
    elf->image = hs_os_map_file(path, &elf->size);
    if (!elf->image)
        return false;
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)elf->image;
    if (elf->size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
        eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_shentsize != sizeof(Elf64_Shdr) ||
        !in_file(elf, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)) ||
        eh->e_shstrndx >= eh->e_shnum) {
        hs_os_unmap_file(elf->image, elf->size);
        elf->image = NULL;
        return false;
    }
    const Elf64_Shdr *sections = (const Elf64_Shdr *)(elf->image + eh->e_shoff);
    const Elf64_Shdr *names = &sections[eh->e_shstrndx];
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        const Elf64_Shdr *sh = &sections[i];
        if (sh->sh_name >= names->sh_size || !in_file(elf, names->sh_offset, names->sh_size))
            continue;
        const char *name = (const char *)elf->image + names->sh_offset + sh->sh_name;
        size_t room = names->sh_size - sh->sh_name;
        if (strnlen(name, room) == room)
            continue;
        if (strcmp(name, ".symtab") == 0)
            take_section(elf, sh, &elf->symtab);
        else if (strcmp(name, ".strtab") == 0)
            take_section(elf, sh, &elf->strtab);
        else if (strcmp(name, ".dynsym") == 0)
            take_section(elf, sh, &elf->dynsym);
        else if (strcmp(name, ".dynstr") == 0)
            take_section(elf, sh, &elf->dynstr);
        else if (strcmp(name, ".debug_line") == 0)
            take_section(elf, sh, &elf->debug_line);
        else if (strcmp(name, ".debug_line_str") == 0)
            take_section(elf, sh, &elf->debug_line_str);
        else if (strcmp(name, ".debug_str") == 0)
            take_section(elf, sh, &elf->debug_str);
        else if (strcmp(name, ".note.gnu.build-id") == 0)
            take_section(elf, sh, &elf->build_id);
    }
    return true;
}

bool hs_elf_open_debug(const struct hs_elf *elf, struct hs_elf *debug)
{
    /* The note: namesz, descsz, type, "GNU\0", then the id. */
    const struct hs_section *note = &elf->build_id;
    if (!note->data || note->size < 16)
        return false;
    uint32_t namesz, descsz;
    memcpy(&namesz, note->data, 4);
    memcpy(&descsz, note->data + 4, 4);
    size_t desc_at = 12 + ((namesz + 3) & ~3u);
    if (descsz < 2 || descsz > 64 || desc_at + descsz > note->size)
        return false;
    const uint8_t *id = note->data + desc_at;
    char path[256] = "/usr/lib/debug/.build-id/";
    size_t n = strlen(path);
    static const char hex[] = "0123456789abcdef";
    for (uint32_t i = 0; i < descsz; i++) {
        path[n++] = hex[id[i] >> 4];
        path[n++] = hex[id[i] & 15];
        if (i == 0)
            path[n++] = '/';
    }
    memcpy(path + n, ".debug", 7);
    return hs_elf_open(path, debug);
}

/* The function symbol containing vaddr; failing that, the nearest one
 * before it without a size (hand-written assembly). */
static const char *search(const struct hs_section *syms, const struct hs_section *strs,
                          uintptr_t vaddr)
{
    if (!syms->data || !strs->data)
        return NULL;
    const Elf64_Sym *containing = NULL, *unsized = NULL;
    size_t count = syms->size / sizeof(Elf64_Sym);
    for (size_t i = 0; i < count; i++) {
        const Elf64_Sym *s = (const Elf64_Sym *)syms->data + i;
        unsigned type = ELF64_ST_TYPE(s->st_info);
        if ((type != STT_FUNC && type != STT_GNU_IFUNC) || s->st_shndx == SHN_UNDEF ||
            s->st_value > vaddr || s->st_name >= strs->size)
            continue;
        if (s->st_size && vaddr - s->st_value < s->st_size)
            containing = s;
        else if (!s->st_size && (!unsized || s->st_value > unsized->st_value))
            unsized = s;
    }
    const Elf64_Sym *best = containing ? containing : unsized;
    if (!best)
        return NULL;
    const char *name = (const char *)strs->data + best->st_name;
    return strnlen(name, strs->size - best->st_name) < strs->size - best->st_name ? name : NULL;
}

const char *hs_elf_function(const struct hs_elf *elf, uintptr_t vaddr)
{
    const char *name = search(&elf->symtab, &elf->strtab, vaddr);
    return name ? name : search(&elf->dynsym, &elf->dynstr, vaddr);
}
