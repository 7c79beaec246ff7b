/* DWARF line tables (.debug_line, versions 2 to 5), read in two passes.
 * Loading runs every unit's line-number program once and keeps only where
 * each sequence lies: its address range and where its opcodes begin. A
 * lookup runs again the one sequence that covers the address, and reads its
 * unit's file table only then. A module's table so costs a few words per
 * sequence however many rows its programs make, which for a C library with
 * its debug file installed is the difference between most of an exit
 * report's time and a small part of it. */
#ifndef HS_DWARF_LINES_H
#define HS_DWARF_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "services/symbols/elf_arena.h"
#include "services/symbols/elf_file.h"

/* Where the module has code ([lo, hi) in ELF virtual addresses): sequences
 * elsewhere (those of functions the linker dropped, at 0) are left out. */
struct hs_code_range {
    uint64_t lo, hi;
};

struct hs_line_unit;

/* Addresses [start, end), rows made by the opcodes from `opcodes` on. */
struct hs_line_sequence {
    uint64_t start, end;
    const uint8_t *opcodes;
    size_t unit;
};

#define HS_LINE_PATHS 64

struct hs_line_table {
    struct hs_elf *elf;     /* for the string sections */
    struct hs_arena *arena; /* for the joined paths */
    struct hs_line_unit *units;
    size_t unit_count, unit_capacity;
    struct hs_line_sequence *sequences; /* sorted by start */
    size_t sequence_count, sequence_capacity;
    struct { /* paths made lately, by unit and file */
        size_t unit;
        uint64_t file;
        const char *path;
    } paths[HS_LINE_PATHS];
};

/* Indexes every sequence of elf's .debug_line (inflating compressed
 * sections as needed) that ends properly, never goes back in address, and
 * lies in the code ranges (none given: anywhere but at 0). Malformed units
 * are left out from where they go wrong. False, and an empty table, if no
 * sequence is left. */
bool hs_lines_load(struct hs_elf *elf, const struct hs_code_range *code, size_t code_count,
                   struct hs_arena *arena, struct hs_line_table *table);

/* The source file and line of vaddr; false if no sequence covers it or its
 * file is unknown. *file stays valid for the life of the process. */
bool hs_lines_find(struct hs_line_table *table, uint64_t vaddr, const char **file, unsigned *line);

#endif
