/* DWARF line tables (.debug_line, versions 2 to 5): every unit's line
 * program is run once per module into sequences of rows; a lookup finds the
 * sequence that contains an address, then the last row at or before it. */
#ifndef HS_DWARF_LINES_H
#define HS_DWARF_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elf_arena.h"
#include "elf_file.h"

struct hs_line_row {
    uint64_t address;
    uint32_t file;      /* index into the table's files; UINT32_MAX: unknown */
    uint32_t line;
};

/* A run of rows for addresses [start, end), rows in address order. */
struct hs_line_sequence {
    uint64_t start, end;
    size_t first, count;
};

struct hs_source_file {
    const char *comp_dir;   /* the unit's compilation directory, NULL if unknown */
    const char *dir;        /* the file's directory, NULL if unknown */
    const char *name;
    const char *path;       /* the three joined, made on first use */
};

/* Where the module has code ([lo, hi) in ELF virtual addresses): sequences
 * elsewhere (those of functions the linker dropped, at 0) are left out. */
struct hs_code_range {
    uint64_t lo, hi;
};

struct hs_line_table {
    struct hs_line_row *rows;
    size_t row_count, row_capacity;
    struct hs_line_sequence *sequences;
    size_t sequence_count, sequence_capacity;
    struct hs_source_file *files;
    size_t file_count, file_capacity;
    const char **dirs;                  /* the current unit's, while reading it */
    size_t dir_count, dir_capacity;
    struct hs_arena *arena;             /* for the joined paths */
};

/* Runs every line program of elf's .debug_line (inflating compressed
 * sections as needed). Units that are malformed are left out; sequences
 * outside the code ranges too (none given: all but those at 0). False, and
 * an empty table, if no sequence is left. */
bool hs_lines_load(struct hs_elf *elf, const struct hs_code_range *code, size_t code_count,
                   struct hs_arena *arena, struct hs_line_table *table);

/* The source file and line of vaddr; false if no sequence covers it. *file
 * stays valid for the life of the process. */
bool hs_lines_find(struct hs_line_table *table, uint64_t vaddr, const char **file,
                   unsigned *line);

#endif
