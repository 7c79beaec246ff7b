/* Unit tests of services/symbols/dwarf_lines, on fixture_lines.c built at
 * -O0 into a shared object with DWARF 5 and with DWARF 4 line tables: the
 * object is loaded and run, and the address inside each call it marks
 * (fixture_note keeps the return address) must map to the line and file
 * (fixture_lines.c, or fixture_lines.h for the inline function) of that
 * call; a function's first address maps to its opening brace; addresses
 * outside the code map to nothing; code ranges that cover nothing leave
 * the table empty. Then the .debug_line section is truncated at every
 * length and has each byte changed: loading and looking up must never
 * read out of bounds (the sanitizer watches) nor crash. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>

#include "fixture_lines.h"
#include "services/symbols/dwarf_lines.h"
#include "unit.h"

/* A loaded fixture: its marks as ELF virtual addresses (the address of the
 * call instruction's last byte) with their lines, and its entry point. */
struct fixture {
    struct hs_elf elf;
    uint64_t pcs[8];
    int lines[8];
    int count;
    uint64_t run_entry;
};

static bool load_fixture(const char *path, struct fixture *f)
{
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
        return false;
    }
    int (*run)(int) = (int (*)(int))dlsym(handle, "fixture_run");
    struct fixture_mark *marks = dlsym(handle, "fixture_marks");
    int *count = dlsym(handle, "fixture_mark_count");
    Dl_info info;
    if (!run || !marks || !count || !dladdr((void *)run, &info))
        return false;
    CHECK_EQ_U(run(2), 2); /* twice(0) + twice(1) */
    uintptr_t base = (uintptr_t)info.dli_fbase;
    f->count = *count;
    for (int i = 0; i < f->count && i < 8; i++) {
        f->pcs[i] = (uintptr_t)marks[i].return_address - 1 - base;
        f->lines[i] = marks[i].line;
    }
    f->run_entry = (uintptr_t)run - base;
    return hs_elf_open(path, &f->elf);
}

/* The line of fixture_lines.c that starts with `text`, or 0. */
static unsigned source_line(const char *text)
{
    FILE *source = fopen(UNIT_SRC "/fixture_lines.c", "r");
    char row[256];
    unsigned line = 0, found = 0;
    while (source && !found && fgets(row, sizeof row, source)) {
        line++;
        if (strncmp(row, text, strlen(text)) == 0)
            found = line;
    }
    if (source)
        fclose(source);
    return found;
}

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n >= m && strcmp(s + n - m, tail) == 0;
}

static struct hs_arena corrupt_arena;

/* (A line table is never freed: the symbolizer keeps them for the life of
 * the process. Each load here leaves a few pages mapped.)
 *
 * Loads elf with `size` bytes of `lines` as its .debug_line, in a heap
 * buffer of exactly that size, and looks up every mark; returns how many
 * lookups gave a line (what they give is anyone's guess). */
static unsigned load_and_look(const struct fixture *f, const uint8_t *lines, size_t size)
{
    uint8_t *copy = malloc(size);
    memcpy(copy, lines, size);
    struct hs_elf elf = f->elf;
    elf.debug_line = (struct hs_section){.data = copy, .size = size};
    struct hs_line_table table;
    unsigned found = 0;
    if (hs_lines_load(&elf, NULL, 0, &corrupt_arena, &table)) {
        for (int i = 0; i < f->count; i++) {
            const char *file;
            unsigned line;
            if (hs_lines_find(&table, f->pcs[i], &file, &line))
                found += strlen(file) < 4096;
        }
    }
    free(copy);
    return found;
}

/* Every truncation of .debug_line, and every byte of it changed in three
 * ways. The whole section still finds every mark. */
static void corrupted(const struct fixture *f)
{
    const uint8_t *lines = f->elf.debug_line.data;
    size_t size = f->elf.debug_line.size;
    CHECK_EQ_U(load_and_look(f, lines, size), f->count);
    for (size_t cut = 0; cut < size; cut++)
        load_and_look(f, lines, cut);
    uint8_t *changed = malloc(size);
    static const uint8_t flips[] = {0x01, 0x80, 0xff};
    for (size_t at = 0; at < size; at++) {
        for (size_t k = 0; k < sizeof flips; k++) {
            memcpy(changed, lines, size);
            changed[at] ^= flips[k];
            load_and_look(f, changed, size);
        }
    }
    free(changed);
}

static void lookups(const char *name, int version)
{
    struct fixture f;
    CHECK(load_fixture(name, &f));
    CHECK_EQ_U(f.count, 4);
    CHECK(f.elf.debug_line.data != NULL);
    struct hs_arena arena = {0};
    struct hs_line_table table;
    CHECK(hs_lines_load(&f.elf, NULL, 0, &arena, &table));
    for (int i = 0; i < f.count; i++) {
        const char *file = NULL;
        unsigned line = 0;
        CHECK(hs_lines_find(&table, f.pcs[i], &file, &line));
        CHECK_EQ_U(line, f.lines[i]);
        /* Marks 1 and 2 are made from the header's inline function. */
        const char *want =
            i == 1 || i == 2 ? "test/unit/fixture_lines.h" : "test/unit/fixture_lines.c";
        CHECK(file && ends_with(file, want));
        if (version == 5) /* v5 names the compilation directory */
            CHECK(file && file[0] == '/');
        if (file && !ends_with(file, want))
            fprintf(stderr, "DWARF %d: mark %d in %s\n", version, i, file);
    }
    /* The first address of fixture_run: the line of its opening brace. */
    unsigned brace = source_line("int fixture_run(") + 1;
    const char *file;
    unsigned line;
    CHECK(hs_lines_find(&table, f.run_entry, &file, &line));
    CHECK_EQ_U(line, brace);
    CHECK(brace > 1);
    CHECK(!hs_lines_find(&table, 0, &file, &line));
    CHECK(!hs_lines_find(&table, 0x10000000, &file, &line));

    /* Code ranges: one that covers the code keeps it, one elsewhere keeps
     * nothing. */
    struct hs_code_range everywhere = {1, UINT64_MAX}, elsewhere = {0x40000000, 0x50000000};
    CHECK(hs_lines_load(&f.elf, &everywhere, 1, &arena, &table));
    CHECK(!hs_lines_load(&f.elf, &elsewhere, 1, &arena, &table));
    CHECK_EQ_U(table.sequence_count, 0);
    CHECK(!hs_lines_find(&table, f.pcs[0], &file, &line));

    corrupted(&f);
    hs_elf_close(&f.elf);
}

int main(void)
{
    lookups(UNIT_DIR "/fixture_lines5.so", 5);
    lookups(UNIT_DIR "/fixture_lines4.so", 4);
    return unit_done("dwarf_lines");
}
