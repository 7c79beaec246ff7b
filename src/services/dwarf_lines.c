/* DWARF line tables. Each unit's header gives its directories and files
 * (appended to the table's file list) and the parameters of its line-number
 * program, which is run to produce rows. A sequence's rows are kept only if
 * the sequence ends properly (DW_LNE_end_sequence), its addresses never go
 * back, and it lies in the module's code; the sequences are then sorted by
 * address. Every read is bounded by the unit's end, and a malformed unit is
 * dropped without its unfinished sequence. */
#include "dwarf_lines.h"

#include <string.h>

#include "reader.h"
#include "sort.h"

#define PATH_MAX_JOINED 4096

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

static bool add_file(struct hs_line_table *t, const char *comp_dir, const char *dir,
                     const char *name)
{
    if (!hs_array_reserve((void **)&t->files, &t->file_capacity, sizeof *t->files,
                          t->file_count + 1))
        return false;
    t->files[t->file_count++] = (struct hs_source_file){comp_dir, dir, name, NULL};
    return true;
}

static bool add_dir(struct hs_line_table *t, const char *dir)
{
    if (!hs_array_reserve((void **)&t->dirs, &t->dir_capacity, sizeof *t->dirs, t->dir_count + 1))
        return false;
    t->dirs[t->dir_count++] = dir;
    return true;
}

/* ---- unit headers ---- */

enum {
    LNCT_PATH = 1, LNCT_DIRECTORY_INDEX = 2,
    FORM_BLOCK2 = 0x03, FORM_BLOCK4 = 0x04, FORM_DATA2 = 0x05, FORM_DATA4 = 0x06,
    FORM_DATA8 = 0x07, FORM_STRING = 0x08, FORM_BLOCK = 0x09, FORM_BLOCK1 = 0x0a,
    FORM_DATA1 = 0x0b, FORM_FLAG = 0x0c, FORM_SDATA = 0x0d, FORM_STRP = 0x0e,
    FORM_UDATA = 0x0f, FORM_SEC_OFFSET = 0x17, FORM_STRX = 0x1a, FORM_STRP_SUP = 0x1d,
    FORM_DATA16 = 0x1e, FORM_LINE_STRP = 0x1f, FORM_STRX1 = 0x25, FORM_STRX2 = 0x26,
    FORM_STRX3 = 0x27, FORM_STRX4 = 0x28, FORM_GNU_STRP_ALT = 0x1f21,
};

struct unit {
    unsigned version, offset_size;
    uint8_t min_inst_length, line_range, opcode_base;
    int8_t line_base;
    const uint8_t *standard_lengths;
    size_t first_file;      /* the table index of this unit's first file */
    uint32_t file_base;     /* the number of that file: 0 (v5) or 1 (v2-4) */
    const char *comp_dir;   /* v5: directory 0 */
};

/* One attribute value of a v5 entry: a string, a number, or skipped
 * (strings in sections this reader does not follow come back NULL). */
static void read_form(struct hs_reader *r, struct hs_elf *elf, const struct unit *u,
                      uint64_t form, const char **string, uint64_t *number)
{
    switch (form) {
    case FORM_STRING: *string = read_cstr(r); break;
    case FORM_LINE_STRP: *string = string_at(&elf->debug_line_str, hs_read_bytes(r, u->offset_size)); break;
    case FORM_STRP: *string = string_at(&elf->debug_str, hs_read_bytes(r, u->offset_size)); break;
    case FORM_STRP_SUP: case FORM_GNU_STRP_ALT: case FORM_SEC_OFFSET:
        hs_read_bytes(r, u->offset_size); break;
    case FORM_STRX: hs_read_uleb(r); break;
    case FORM_STRX1: hs_read_bytes(r, 1); break;
    case FORM_STRX2: hs_read_bytes(r, 2); break;
    case FORM_STRX3: hs_read_bytes(r, 3); break;
    case FORM_STRX4: hs_read_bytes(r, 4); break;
    case FORM_UDATA: *number = hs_read_uleb(r); break;
    case FORM_SDATA: *number = (uint64_t)hs_read_sleb(r); break;
    case FORM_DATA1: case FORM_FLAG: *number = hs_read_bytes(r, 1); break;
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

/* v5 directory or file entries: a format (content type, form pairs), then
 * that many entries of it. */
static bool read_entries_v5(struct hs_reader *r, struct hs_elf *elf, struct unit *u,
                            struct hs_line_table *t, bool files)
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
    if (count > (uint64_t)(r->end - r->p)) /* every entry takes a byte at least */
        return false;
    for (uint64_t e = 0; e < count && !r->bad; e++) {
        const char *path = NULL;
        uint64_t dir = UINT64_MAX;
        for (unsigned i = 0; i < format_count; i++) {
            const char *s = NULL;
            uint64_t n = UINT64_MAX;
            read_form(r, elf, u, formats[i][1], &s, &n);
            if (formats[i][0] == LNCT_PATH)
                path = s;
            else if (formats[i][0] == LNCT_DIRECTORY_INDEX)
                dir = n;
        }
        if (r->bad)
            return false;
        if (!files) {
            if (!add_dir(t, path))
                return false;
        } else if (!add_file(t, u->comp_dir, dir < t->dir_count ? t->dirs[dir] : NULL,
                             path ? path : "?")) {
            return false;
        }
    }
    if (!files && t->dir_count)
        u->comp_dir = t->dirs[0];
    return !r->bad;
}

static bool read_entries_v4(struct hs_reader *r, struct hs_line_table *t)
{
    if (!add_dir(t, NULL)) /* 0: the compilation directory, not in the table */
        return false;
    for (const char *dir; (dir = read_cstr(r)) && *dir;)
        if (!add_dir(t, dir))
            return false;
    for (const char *name; (name = read_cstr(r)) && *name;) {
        uint64_t dir = hs_read_uleb(r);
        hs_read_uleb(r); /* modification time */
        hs_read_uleb(r); /* length */
        if (!add_file(t, NULL, dir < t->dir_count ? t->dirs[dir] : NULL, name))
            return false;
    }
    return !r->bad;
}

/* ---- the line-number program ---- */

struct program {
    const struct unit *u;
    struct hs_line_table *t;
    const struct hs_code_range *code;
    size_t code_count;
    size_t first;       /* the current sequence's first row */
    bool ok;            /* the current sequence is still worth keeping */
};

static void emit(struct program *p, uint64_t address, uint32_t file, uint32_t line)
{
    struct hs_line_table *t = p->t;
    if (!p->ok)
        return;
    uint32_t index = UINT32_MAX;
    size_t files = t->file_count - p->u->first_file;
    if (file >= p->u->file_base && file - p->u->file_base < files &&
        p->u->first_file + (file - p->u->file_base) < UINT32_MAX)
        index = (uint32_t)(p->u->first_file + (file - p->u->file_base));
    if (t->row_count > p->first) {
        struct hs_line_row *last = &t->rows[t->row_count - 1];
        if (address < last->address) { /* addresses only grow in a sequence */
            p->ok = false;
            return;
        }
        if (address == last->address) { /* the last row of an address wins */
            *last = (struct hs_line_row){address, index, line};
            return;
        }
        if (last->file == index && last->line == line) /* a new column only */
            return;
    }
    if (!hs_array_reserve((void **)&t->rows, &t->row_capacity, sizeof *t->rows,
                          t->row_count + 1)) {
        p->ok = false;
        return;
    }
    t->rows[t->row_count++] = (struct hs_line_row){address, index, line};
}

static bool in_code(const struct program *p, uint64_t start, uint64_t end)
{
    if (p->code_count == 0)
        return start != 0;
    for (size_t i = 0; i < p->code_count; i++)
        if (p->code[i].lo <= start && end <= p->code[i].hi)
            return true;
    return false;
}

static void end_sequence(struct program *p, uint64_t end)
{
    struct hs_line_table *t = p->t;
    size_t count = t->row_count - p->first;
    if (p->ok && count && end > t->rows[p->first].address &&
        end >= t->rows[t->row_count - 1].address &&
        in_code(p, t->rows[p->first].address, end) &&
        hs_array_reserve((void **)&t->sequences, &t->sequence_capacity, sizeof *t->sequences,
                         t->sequence_count + 1)) {
        t->sequences[t->sequence_count++] =
            (struct hs_line_sequence){t->rows[p->first].address, end, p->first, count};
    } else {
        t->row_count = p->first;
    }
    p->first = t->row_count;
    p->ok = true;
}

static bool run_program(struct hs_reader *r, struct program *p)
{
    const struct unit *u = p->u;
    uint64_t address = 0;
    uint32_t file = 1, line = 1;
    p->first = p->t->row_count;
    p->ok = true;
    while (r->p < r->end && !r->bad) {
        uint8_t op = (uint8_t)hs_read_bytes(r, 1);
        if (op >= u->opcode_base) { /* special */
            unsigned adjusted = op - u->opcode_base;
            address += (uint64_t)(adjusted / u->line_range) * u->min_inst_length;
            line += (uint32_t)(u->line_base + (int)(adjusted % u->line_range));
            emit(p, address, file, line);
            continue;
        }
        switch (op) {
        case 0: { /* extended */
            uint64_t len = hs_read_uleb(r);
            if (r->bad || len == 0 || len > (uint64_t)(r->end - r->p))
                goto malformed;
            struct hs_reader ext = {r->p, r->p + len, false};
            r->p += len;
            uint8_t sub = (uint8_t)hs_read_bytes(&ext, 1);
            if (sub == 1) { /* DW_LNE_end_sequence */
                end_sequence(p, address);
                address = 0, file = 1, line = 1;
            } else if (sub == 2) { /* DW_LNE_set_address */
                if (len - 1 != 4 && len - 1 != 8)
                    goto malformed;
                address = hs_read_bytes(&ext, (unsigned)(len - 1));
            } else if (sub == 3 && u->version <= 4) { /* DW_LNE_define_file */
                const char *name = read_cstr(&ext);
                uint64_t dir = hs_read_uleb(&ext);
                if (ext.bad || !add_file(p->t, NULL, dir < p->t->dir_count ? p->t->dirs[dir] : NULL,
                                         name))
                    goto malformed;
            } /* DW_LNE_set_discriminator and the rest: nothing to do */
            break;
        }
        case 1: emit(p, address, file, line); break;                        /* copy */
        case 2: address += hs_read_uleb(r) * u->min_inst_length; break;     /* advance_pc */
        case 3: line += (uint32_t)hs_read_sleb(r); break;                   /* advance_line */
        case 4: file = (uint32_t)hs_read_uleb(r); break;                    /* set_file */
        case 8:                                                             /* const_add_pc */
            address += (uint64_t)((255u - u->opcode_base) / u->line_range) * u->min_inst_length;
            break;
        case 9: address += hs_read_bytes(r, 2); break;                      /* fixed_advance_pc */
        default: /* others (set_column, negate_stmt, ...): skip their operands */
            for (unsigned i = 0; i < u->standard_lengths[op - 1]; i++)
                hs_read_uleb(r);
            break;
        }
    }
    if (r->bad)
        goto malformed;
    p->t->row_count = p->first; /* a sequence left unfinished */
    return true;
malformed:
    p->t->row_count = p->first;
    return false;
}

/* Reads the unit at all->p and steps past it. False when the units cannot
 * be walked further (a bad unit length); a unit that is malformed inside is
 * skipped. */
static bool load_unit(struct hs_reader *all, struct hs_elf *elf, struct program *p)
{
    struct hs_line_table *t = p->t;
    struct unit u = {0};
    uint64_t length = hs_read_bytes(all, 4);
    u.offset_size = 4;
    if (length == 0xffffffff) {
        length = hs_read_bytes(all, 8);
        u.offset_size = 8;
    } else if (length >= 0xfffffff0) {
        return false;
    }
    if (all->bad || length > (uint64_t)(all->end - all->p))
        return false;
    struct hs_reader r = {all->p, all->p + length, false};
    all->p += length;
    u.version = (unsigned)hs_read_bytes(&r, 2);
    if (r.bad || u.version < 2 || u.version > 5)
        return true;
    if (u.version >= 5) {
        unsigned address_size = (unsigned)hs_read_bytes(&r, 1);
        unsigned selector_size = (unsigned)hs_read_bytes(&r, 1);
        if ((address_size != 4 && address_size != 8) || selector_size != 0)
            return true;
    }
    uint64_t header_length = hs_read_bytes(&r, u.offset_size);
    if (r.bad || header_length > (uint64_t)(r.end - r.p))
        return true;
    const uint8_t *program = r.p + header_length;
    struct hs_reader header = {r.p, program, false};
    u.min_inst_length = (uint8_t)hs_read_bytes(&header, 1);
    if (u.version >= 4)
        hs_read_bytes(&header, 1); /* maximum operations per instruction */
    hs_read_bytes(&header, 1);     /* default_is_stmt */
    u.line_base = (int8_t)hs_read_bytes(&header, 1);
    u.line_range = (uint8_t)hs_read_bytes(&header, 1);
    u.opcode_base = (uint8_t)hs_read_bytes(&header, 1);
    if (header.bad || u.line_range == 0 || u.opcode_base == 0 ||
        (size_t)(header.end - header.p) < (size_t)(u.opcode_base - 1))
        return true;
    u.standard_lengths = header.p;
    header.p += u.opcode_base - 1;
    u.first_file = t->file_count;
    u.file_base = u.version >= 5 ? 0 : 1;
    t->dir_count = 0;
    bool ok = u.version >= 5 ? read_entries_v5(&header, elf, &u, t, false) &&
                                   read_entries_v5(&header, elf, &u, t, true)
                             : read_entries_v4(&header, t);
    if (!ok) {
        t->file_count = u.first_file;
        return true;
    }
    struct hs_reader body = {program, r.end, false};
    p->u = &u;
    run_program(&body, p);
    p->u = NULL;
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
    table->arena = arena;
    const uint8_t *data = hs_elf_section(&elf->debug_line);
    if (!data)
        return false;
    struct hs_reader all = {data, data + elf->debug_line.size, false};
    struct program p = {.t = table, .code = code, .code_count = code_count};
    while (all.p < all.end && !all.bad)
        if (!load_unit(&all, elf, &p))
            break;
    hs_array_free((void **)&table->dirs, &table->dir_capacity, sizeof *table->dirs);
    table->dir_count = 0;
    if (table->sequence_count == 0) {
        hs_array_free((void **)&table->rows, &table->row_capacity, sizeof *table->rows);
        hs_array_free((void **)&table->sequences, &table->sequence_capacity,
                      sizeof *table->sequences);
        hs_array_free((void **)&table->files, &table->file_capacity, sizeof *table->files);
        table->row_count = table->file_count = 0;
        return false;
    }
    hs_sort(table->sequences, table->sequence_count, sizeof *table->sequences, sequence_less);
    return true;
}

/* dir/name, or comp_dir/dir/name for a directory relative to the
 * compilation directory; the name alone when it is absolute, or if memory
 * runs out. */
static const char *path_of(struct hs_line_table *t, struct hs_source_file *f)
{
    if (f->path)
        return f->path;
    f->path = f->name;
    if (f->name[0] == '/' || !f->dir)
        return f->path;
    const char *parts[3];
    size_t n = 0, total = 0;
    if (f->dir[0] != '/' && f->comp_dir && f->comp_dir != f->dir && f->comp_dir[0])
        parts[n++] = f->comp_dir;
    if (f->dir[0])
        parts[n++] = f->dir;
    parts[n++] = f->name;
    for (size_t i = 0; i < n; i++)
        total += strnlen(parts[i], PATH_MAX_JOINED) + 1;
    if (total > PATH_MAX_JOINED)
        return f->path;
    char *joined = hs_arena_alloc(t->arena, total);
    if (!joined)
        return f->path;
    char *at = joined;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(parts[i]);
        memcpy(at, parts[i], len);
        at += len;
        if (i + 1 < n && !(len && parts[i][len - 1] == '/'))
            *at++ = '/';
    }
    *at = '\0';
    f->path = joined;
    return joined;
}

bool hs_lines_find(struct hs_line_table *t, uint64_t vaddr, const char **file, unsigned *line)
{
    size_t lo = hs_search_last_at_most(t->sequences, t->sequence_count, sizeof *t->sequences, vaddr);
    if (lo == SIZE_MAX)
        return false;
    /* Sequences do not overlap in a sane table; allow a few that do. */
    const struct hs_line_sequence *s = NULL;
    for (size_t back = 0; back <= 8 && back <= lo; back++) {
        if (vaddr < t->sequences[lo - back].end) {
            s = &t->sequences[lo - back];
            break;
        }
    }
    if (!s)
        return false;
    _Static_assert(offsetof(struct hs_line_sequence, start) == 0 &&
                   offsetof(struct hs_line_row, address) == 0, "searched by their first field");
    /* The sequence's first row is at its start, so some row is found. */
    const struct hs_line_row *row = &t->rows[s->first + hs_search_last_at_most(
        t->rows + s->first, s->count, sizeof *t->rows, vaddr)];
    if (row->file >= t->file_count)
        return false;
    *file = path_of(t, &t->files[row->file]);
    *line = row->line;
    return true;
}
