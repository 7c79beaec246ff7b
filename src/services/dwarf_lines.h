/* DWARF line tables (.debug_line, versions 2 to 5): decoded once per module
 * into rows sorted by address, then searched for each frame. */
#ifndef HS_DWARF_LINES_H
#define HS_DWARF_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elf_file.h"

struct hs_line_row {
    uint64_t address;
    uint32_t file;      /* index into the table's files; UINT32_MAX ends a sequence */
    uint32_t line;
};

struct hs_source_file {
    const char *dir;    /* NULL when unknown */
    const char *name;
    const char *path;   /* dir/name, made on first use */
};

struct hs_line_table {
    struct hs_line_row *rows;
    size_t row_count, row_capacity;
    struct hs_source_file *files;
    size_t file_count, file_capacity;
};

/* Decodes every line program of elf into table; false (and an empty table)
 * if there is none or it is malformed. */
bool hs_lines_load(const struct hs_elf *elf, struct hs_line_table *table);

/* The source line of vaddr; false if the table does not cover it. */
bool hs_lines_find(struct hs_line_table *table, uint64_t vaddr, const char **file, unsigned *line);

#endif
