/* ELF files as the symbolizer reads them: mapped read-only whole (and kept),
 * with the sections it needs found by name and checked against the file's
 * size. A separate debug file (by build id, under /usr/lib/debug/.build-id)
 * stands in for sections the module lacks. */
#ifndef HS_ELF_FILE_H
#define HS_ELF_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hs_section {
    const uint8_t *data; /* NULL when absent, or compressed and not inflated yet */
    size_t size;
    const uint8_t *packed; /* a compressed section as stored (SHF_COMPRESSED) */
    size_t packed_size;
    bool inflate_failed;
};

#define HS_BUILD_ID_MAX 64

struct hs_elf {
    const uint8_t *image;
    size_t size;
    struct hs_section symtab, strtab; /* strtab: the one symtab links to */
    struct hs_section dynsym, dynstr;
    struct hs_section debug_line, debug_line_str, debug_str;
    uint8_t build_id[HS_BUILD_ID_MAX];
    size_t build_id_size; /* 0: none */
};

/* Maps path and finds its sections; false if it is no readable 64-bit ELF
 * file. */
bool hs_elf_open(const char *path, struct hs_elf *elf);

/* Unmaps a file hs_elf_open opened (before any section was inflated). */
void hs_elf_close(struct hs_elf *elf);

/* Opens /usr/lib/debug/.build-id/xx/yyyy.debug for a build id, if one is
 * installed. */
bool hs_elf_open_debug(const uint8_t *build_id, size_t build_id_size, struct hs_elf *debug);

/* Finds the GNU build id among the notes in [notes, notes + size) into id;
 * returns its size, 0 if there is none. */
size_t hs_elf_note_build_id(const uint8_t *notes, size_t size, uint8_t id[HS_BUILD_ID_MAX]);

/* A section's contents, inflating a compressed one on first use (into
 * memory kept for the life of the process); NULL when absent or corrupt. */
const uint8_t *hs_elf_section(struct hs_section *s);

#endif
