/* DWARF line tables. A unit's header gives the parameters of its
 * line-number program and, after them, its directory and file tables; the
 * program is a run of sequences, each ending with DW_LNE_end_sequence. Every
 * read is bounded by the unit's end. Files defined inside a program
 * (DW_LNE_define_file, which no current compiler emits) are not named. */
#include "services/symbols/dwarf_lines.h"

#include <string.h>

#include "services/mem/sort.h"
#include "services/symbols/reader.h"

#define PATH_MAX_JOINED 4096

struct hs_line_unit {
    const uint8_t *tables;           /* the directory and file tables */
    const uint8_t *program, *end;    /* the opcodes, to the unit's end */
    const uint8_t *standard_lengths; /* operands of each standard opcode */
    unsigned version, offset_size;
    uint8_t min_inst_length, line_range, opcode_base;
    int8_t line_base;
};

static const char *read_cstr(struct hs_reader *r)
{
    if (r->bad || r->p >= r->end) {
        r->bad = true;
        return NULL;
    }
    const char *s = (const char *)r->p;
    size_t room = (size_t)(r->end - r->p);
    size_t n = strnlen(s, room);
    if (n == room) {
        r->bad = true;
        return NULL;
    }
    r->p += n + 1;
    return s;
}

/* A string at offset in a string section (inflated on first use), or NULL. */
static const char *string_at(struct hs_section *strings, uint64_t offset)
{
    const uint8_t *data = hs_elf_section(strings);
    if (!data || offset >= strings->size)
        return NULL;
    const char *s = (const char *)data + offset;
    return strnlen(s, strings->size - offset) < strings->size - offset ? s : NULL;
}

/* ---- unit headers ---- */

/* Reads the header of the unit at all->p and steps past the unit; false
 * when the units cannot be walked further (a bad unit length). *usable
 * says whether the header made sense. */
static bool read_unit(struct hs_reader *all, struct hs_line_unit *u, bool *usable)
{
    *usable = false;
    uint64_t length = hs_read_bytes(all, 4);
    u->offset_size = 4;
    if (length == 0xffffffff) {
        length = hs_read_bytes(all, 8);
        u->offset_size = 8;
    } else if (length >= 0xfffffff0) {
        return false;
    }
    if (all->bad || length > (uint64_t)(all->end - all->p))
        return false;
    struct hs_reader r = {all->p, all->p + length, false};
    all->p += length;
    u->end = r.end;
    u->version = (unsigned)hs_read_bytes(&r, 2);
    if (r.bad || u->version < 2 || u->version > 5)
        return true;
    if (u->version >= 5) {
        unsigned address_size = (unsigned)hs_read_bytes(&r, 1);
        unsigned selector_size = (unsigned)hs_read_bytes(&r, 1);
        if ((address_size != 4 && address_size != 8) || selector_size != 0)
            return true;
    }
    uint64_t header_length = hs_read_bytes(&r, u->offset_size);
    if (r.bad || header_length > (uint64_t)(r.end - r.p))
        return true;
    u->program = r.p + header_length;
    struct hs_reader header = {r.p, u->program, false};
    u->min_inst_length = (uint8_t)hs_read_bytes(&header, 1);
    if (u->version >= 4)
        hs_read_bytes(&header, 1); /* maximum operations per instruction */
    hs_read_bytes(&header, 1);     /* default_is_stmt */
    u->line_base = (int8_t)hs_read_bytes(&header, 1);
    u->line_range = (uint8_t)hs_read_bytes(&header, 1);
    u->opcode_base = (uint8_t)hs_read_bytes(&header, 1);
    if (header.bad || u->line_range == 0 || u->opcode_base == 0 ||
        (size_t)(header.end - header.p) < (size_t)(u->opcode_base - 1))
        return true;
    u->standard_lengths = header.p;
    u->tables = header.p + u->opcode_base - 1;
    *usable = true;
    return true;
}

/* ---- the line-number program ---- */

/* What running a sequence finds out. */
struct walk {
    uint64_t target;      /* the address looked up; UINT64_MAX while indexing */
    uint64_t first, last; /* the addresses of its first and last rows */
    uint64_t end;         /* where it ends */
    bool rows, ordered;   /* some row made; addresses never went back */
    bool found;           /* a row at or before target: */
    uint64_t file;        /* its file and line (the last row of an */
    uint32_t line;        /* address wins) */
};

static void row(struct walk *w, uint64_t address, uint64_t file, uint32_t line)
{
    if (w->rows && address < w->last)
        w->ordered = false;
    if (!w->rows)
        w->first = address;
    w->rows = true;
    w->last = address;
    if (address <= w->target) {
        w->found = true;
        w->file = file;
        w->line = line;
    }
}

/* Runs the sequence whose opcodes start at r->p, up to its end (or, when
 * looking up, to its first row past the target); false when the program is
 * malformed or stops first. */
static bool run_sequence(struct hs_reader *r, const struct hs_line_unit *u, struct walk *w)
{
    uint64_t address = 0, file = 1;
    uint32_t line = 1;
    while (r->p < r->end && !r->bad) {
        if (w->rows && w->ordered && w->last > w->target)
            return true; /* rows only go forward from here */
        uint8_t op = (uint8_t)hs_read_bytes(r, 1);
        if (op >= u->opcode_base) { /* special */
            unsigned adjusted = op - u->opcode_base;
            address += (uint64_t)(adjusted / u->line_range) * u->min_inst_length;
            line += (uint32_t)(u->line_base + (int)(adjusted % u->line_range));
            row(w, address, file, line);
            continue;
        }
        switch (op) {
        case 0: { /* extended */
            uint64_t len = hs_read_uleb(r);
            if (r->bad || len == 0 || len > (uint64_t)(r->end - r->p))
                return false;
            struct hs_reader ext = {r->p, r->p + len, false};
            r->p += len;
            uint8_t sub = (uint8_t)hs_read_bytes(&ext, 1);
            if (sub == 1) { /* DW_LNE_end_sequence */
                w->end = address;
                return true;
            }
            if (sub == 2) { /* DW_LNE_set_address */
                if (len - 1 != 4 && len - 1 != 8)
                    return false;
                address = hs_read_bytes(&ext, (unsigned)(len - 1));
            } /* DW_LNE_set_discriminator, define_file and the rest: nothing to do */
            break;
        }
        case 1: row(w, address, file, line); break;                     /* copy */
        case 2: address += hs_read_uleb(r) * u->min_inst_length; break; /* advance_pc */
        case 3: line += (uint32_t)hs_read_sleb(r); break;               /* advance_line */
        case 4: file = hs_read_uleb(r); break;                          /* set_file */
        case 8:                                                         /* const_add_pc */
            address += (uint64_t)((255u - u->opcode_base) / u->line_range) * u->min_inst_length;
            break;
        case 9: address += hs_read_bytes(r, 2); break; /* fixed_advance_pc */
        default: /* others (set_column, negate_stmt, ...): skip their operands */
            for (unsigned i = 0; i < u->standard_lengths[op - 1]; i++)
                hs_read_uleb(r);
            break;
        }
    }
    return false;
}

/* ---- loading: the sequences of every unit ---- */

static bool in_code(const struct hs_code_range *code, size_t code_count, uint64_t start,
                    uint64_t end)
{
    if (code_count == 0)
        return start != 0;
    for (size_t i = 0; i < code_count; i++)
        if (code[i].lo <= start && end <= code[i].hi)
            return true;
    return false;
}

static bool index_unit(struct hs_line_table *t, const struct hs_code_range *code, size_t code_count)
{
    const struct hs_line_unit *u = &t->units[t->unit_count - 1];
    struct hs_reader r = {u->program, u->end, false};
    while (r.p < r.end) {
        const uint8_t *opcodes = r.p;
        struct walk w = {.target = UINT64_MAX, .ordered = true};
        if (!run_sequence(&r, u, &w))
            return true; /* the rest of the unit is lost */
        if (!w.rows || !w.ordered || w.end <= w.first || w.end < w.last ||
            !in_code(code, code_count, w.first, w.end))
            continue;
        if (!hs_array_reserve((void **)&t->sequences, &t->sequence_capacity, sizeof *t->sequences,
                              t->sequence_count + 1))
            return false;
        t->sequences[t->sequence_count++] =
            (struct hs_line_sequence){w.first, w.end, opcodes, t->unit_count - 1};
    }
    return true;
}

static bool sequence_less(const void *a, const void *b)
{
    const struct hs_line_sequence *x = a, *y = b;
    return x->start != y->start ? x->start < y->start : x->end < y->end;
}

bool hs_lines_load(struct hs_elf *elf, const struct hs_code_range *code, size_t code_count,
                   struct hs_arena *arena, struct hs_line_table *table)
{
    memset(table, 0, sizeof *table);
    table->elf = elf;
    table->arena = arena;
    const uint8_t *data = hs_elf_section(&elf->debug_line);
    if (!data)
        return false;
    struct hs_reader all = {data, data + elf->debug_line.size, false};
    bool room = true;
    while (room && all.p < all.end && !all.bad) {
        struct hs_line_unit u;
        bool usable;
        if (!read_unit(&all, &u, &usable))
            break;
        if (!usable)
            continue;
        room = hs_array_reserve((void **)&table->units, &table->unit_capacity, sizeof *table->units,
                                table->unit_count + 1);
        if (room) {
            table->units[table->unit_count++] = u;
            room = index_unit(table, code, code_count);
        }
    }
    if (table->sequence_count == 0) {
        hs_array_free((void **)&table->units, &table->unit_capacity, sizeof *table->units);
        hs_array_free((void **)&table->sequences, &table->sequence_capacity,
                      sizeof *table->sequences);
        table->unit_count = 0;
        return false;
    }
    hs_sort(table->sequences, table->sequence_count, sizeof *table->sequences, sequence_less);
    return true;
}

/* ---- file names, read when a lookup needs one ---- */

enum {
    LNCT_PATH = 1,
    LNCT_DIRECTORY_INDEX = 2,
    FORM_BLOCK2 = 0x03,
    FORM_BLOCK4 = 0x04,
    FORM_DATA2 = 0x05,
    FORM_DATA4 = 0x06,
    FORM_DATA8 = 0x07,
    FORM_STRING = 0x08,
    FORM_BLOCK = 0x09,
    FORM_BLOCK1 = 0x0a,
    FORM_DATA1 = 0x0b,
    FORM_FLAG = 0x0c,
    FORM_SDATA = 0x0d,
    FORM_STRP = 0x0e,
    FORM_UDATA = 0x0f,
    FORM_SEC_OFFSET = 0x17,
    FORM_STRX = 0x1a,
    FORM_STRP_SUP = 0x1d,
    FORM_DATA16 = 0x1e,
    FORM_LINE_STRP = 0x1f,
    FORM_STRX1 = 0x25,
    FORM_STRX2 = 0x26,
    FORM_STRX3 = 0x27,
    FORM_STRX4 = 0x28,
    FORM_GNU_STRP_ALT = 0x1f21,
};

/* One attribute value of a v5 entry: a string, a number, or skipped
 * (strings in sections this reader does not follow come back NULL). */
static void read_form(struct hs_reader *r, struct hs_elf *elf, const struct hs_line_unit *u,
                      uint64_t form, const char **string, uint64_t *number)
{
    switch (form) {
    case FORM_STRING: *string = read_cstr(r); break;
    case FORM_LINE_STRP:
        *string = string_at(&elf->debug_line_str, hs_read_bytes(r, u->offset_size));
        break;
    case FORM_STRP: *string = string_at(&elf->debug_str, hs_read_bytes(r, u->offset_size)); break;
    case FORM_STRP_SUP:
    case FORM_GNU_STRP_ALT:
    case FORM_SEC_OFFSET: hs_read_bytes(r, u->offset_size); break;
    case FORM_STRX: hs_read_uleb(r); break;
    case FORM_STRX1: hs_read_bytes(r, 1); break;
    case FORM_STRX2: hs_read_bytes(r, 2); break;
    case FORM_STRX3: hs_read_bytes(r, 3); break;
    case FORM_STRX4: hs_read_bytes(r, 4); break;
    case FORM_UDATA: *number = hs_read_uleb(r); break;
    case FORM_SDATA: *number = (uint64_t)hs_read_sleb(r); break;
    case FORM_DATA1:
    case FORM_FLAG: *number = hs_read_bytes(r, 1); break;
    case FORM_DATA2: *number = hs_read_bytes(r, 2); break;
    case FORM_DATA4: *number = hs_read_bytes(r, 4); break;
    case FORM_DATA8: *number = hs_read_bytes(r, 8); break;
    case FORM_DATA16: hs_read_skip(r, 16); break;
    case FORM_BLOCK: hs_read_skip(r, hs_read_uleb(r)); break;
    case FORM_BLOCK1: hs_read_skip(r, hs_read_bytes(r, 1)); break;
    case FORM_BLOCK2: hs_read_skip(r, hs_read_bytes(r, 2)); break;
    case FORM_BLOCK4: hs_read_skip(r, hs_read_bytes(r, 4)); break;
    default: r->bad = true; break;
    }
}

/* Reads a v5 directory or file table at r->p (a format of content type
 * and form pairs, then a count of entries), leaving r past it; of entry
 * `wanted`, if there is one, sets *path and *dir. False if it is
 * malformed. */
static bool table_v5(struct hs_reader *r, struct hs_elf *elf, const struct hs_line_unit *u,
                     uint64_t wanted, const char **path, uint64_t *dir)
{
    uint64_t formats[16][2];
    unsigned format_count = (unsigned)hs_read_bytes(r, 1);
    if (format_count > 16)
        return false;
    for (unsigned i = 0; i < format_count; i++) {
        formats[i][0] = hs_read_uleb(r);
        formats[i][1] = hs_read_uleb(r);
    }
    uint64_t count = hs_read_uleb(r);
    if (format_count == 0 || r->bad)
        return !r->bad;                    /* entries of nothing */
    if (count > (uint64_t)(r->end - r->p)) /* every entry takes a byte at least */
        return false;
    for (uint64_t e = 0; e < count && !r->bad; e++) {
        for (unsigned i = 0; i < format_count; i++) {
            const char *s = NULL;
            uint64_t n = UINT64_MAX;
            read_form(r, elf, u, formats[i][1], &s, &n);
            if (e == wanted && formats[i][0] == LNCT_PATH)
                *path = s;
            else if (e == wanted && formats[i][0] == LNCT_DIRECTORY_INDEX)
                *dir = n;
        }
    }
    return !r->bad;
}

/* The parts of a file's path: v5 numbers files from 0, directory 0 being
 * the compilation directory; v2 to v4 number files from 1, directory 0
 * standing for the compilation directory, which the table lacks. */
static bool file_parts(struct hs_line_table *t, const struct hs_line_unit *u, uint64_t file,
                       const char **comp_dir, const char **dir, const char **name)
{
    struct hs_reader r = {u->tables, u->program, false};
    *comp_dir = *dir = *name = NULL;
    if (u->version >= 5) {
        struct hs_reader dirs = r, dir_zero = r;
        uint64_t dir_index = UINT64_MAX, unused;
        const char *unused_path;
        if (!table_v5(&r, t->elf, u, UINT64_MAX, &unused_path, &unused) ||
            !table_v5(&r, t->elf, u, file, name, &dir_index) || !*name)
            return false;
        table_v5(&dir_zero, t->elf, u, 0, comp_dir, &unused);
        if (dir_index != UINT64_MAX)
            table_v5(&dirs, t->elf, u, dir_index, dir, &unused);
        return true;
    }
    const uint8_t *dirs = r.p;
    const char *s;
    while ((s = read_cstr(&r)) && *s)
        ;
    for (uint64_t number = 1; (s = read_cstr(&r)) && *s; number++) {
        uint64_t dir_index = hs_read_uleb(&r);
        hs_read_uleb(&r); /* modification time */
        hs_read_uleb(&r); /* length */
        if (number != file)
            continue;
        *name = s;
        struct hs_reader d = {dirs, u->program, false};
        for (uint64_t k = 1; k <= dir_index && (s = read_cstr(&d)) && *s; k++)
            if (k == dir_index)
                *dir = s;
        return !r.bad;
    }
    return false;
}

/* dir/name, or comp_dir/dir/name for a directory relative to the
 * compilation directory; the name alone when it is absolute, or if memory
 * runs out. */
static const char *join(struct hs_arena *arena, const char *comp_dir, const char *dir,
                        const char *name)
{
    if (name[0] == '/' || !dir)
        return name;
    const char *parts[3];
    size_t n = 0, total = 0;
    if (dir[0] != '/' && comp_dir && comp_dir != dir && comp_dir[0])
        parts[n++] = comp_dir;
    if (dir[0])
        parts[n++] = dir;
    parts[n++] = name;
    for (size_t i = 0; i < n; i++)
        total += strnlen(parts[i], PATH_MAX_JOINED) + 1;
    char *joined = total <= PATH_MAX_JOINED ? hs_arena_alloc(arena, total) : NULL;
    if (!joined)
        return name;
    char *at = joined;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(parts[i]);
        memcpy(at, parts[i], len);
        at += len;
        if (i + 1 < n && !(len && parts[i][len - 1] == '/'))
            *at++ = '/';
    }
    *at = '\0';
    return joined;
}

static const char *path_of(struct hs_line_table *t, size_t unit, uint64_t file)
{
    size_t slot = (unit * 31 + (size_t)file) % HS_LINE_PATHS;
    if (t->paths[slot].path && t->paths[slot].unit == unit && t->paths[slot].file == file)
        return t->paths[slot].path;
    const char *comp_dir, *dir, *name;
    if (!file_parts(t, &t->units[unit], file, &comp_dir, &dir, &name))
        return NULL;
    const char *path = join(t->arena, comp_dir, dir, name);
    t->paths[slot].unit = unit;
    t->paths[slot].file = file;
    t->paths[slot].path = path;
    return path;
}

/* ---- lookups ---- */

bool hs_lines_find(struct hs_line_table *t, uint64_t vaddr, const char **file, unsigned *line)
{
    size_t lo =
        hs_search_last_at_most(t->sequences, t->sequence_count, sizeof *t->sequences, vaddr);
    if (lo == SIZE_MAX)
        return false;
    /* Sequences do not overlap in a sane table; allow a few that do. */
    const struct hs_line_sequence *s = NULL;
    _Static_assert(offsetof(struct hs_line_sequence, start) == 0, "searched by start");
    for (size_t back = 0; back <= 8 && back <= lo; back++) {
        if (vaddr < t->sequences[lo - back].end) {
            s = &t->sequences[lo - back];
            break;
        }
    }
    if (!s)
        return false;
    const struct hs_line_unit *u = &t->units[s->unit];
    struct hs_reader r = {s->opcodes, u->end, false};
    struct walk w = {.target = vaddr, .ordered = true};
    run_sequence(&r, u, &w);
    if (!w.found)
        return false;
    *file = path_of(t, s->unit, w.file);
    *line = w.line;
    return *file != NULL;
}
