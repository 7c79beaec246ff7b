/* ELF files as the symbolizer reads them: mapped read-only whole, with the
 * sections it needs found by name. A separate debug file (by build id,
 * under /usr/lib/debug/.build-id) stands in for sections the module lacks. */
#ifndef HS_ELF_FILE_H
#define HS_ELF_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hs_section {
    const uint8_t *data;    /* NULL when absent */
    size_t size;
};

struct hs_elf {
    const uint8_t *image;
    size_t size;
    struct hs_section symtab, strtab, dynsym, dynstr;
    struct hs_section debug_line, debug_line_str, debug_str, build_id;
};

/* Maps path and finds its sections; false if it is no readable ELF file. */
bool hs_elf_open(const char *path, struct hs_elf *elf);

/* Opens the debug file of elf's build id, if one is installed. */
bool hs_elf_open_debug(const struct hs_elf *elf, struct hs_elf *debug);

/* The name of the function symbol that contains vaddr, or NULL. */
const char *hs_elf_function(const struct hs_elf *elf, uintptr_t vaddr);

#endif
