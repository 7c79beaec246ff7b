/* DWARF line tables. Each unit's header gives its directories and files
 * (appended to the table's file list) and the parameters of its line-number
 * program, which is run to produce rows; the rows of all units are sorted by
 * address at the end. Every read is bounded by the unit's end. */
#include "dwarf_lines.h"

#include <string.h>

#include "reader.h"
#include "regions.h"
#include "sort.h"

static const char *read_cstr(struct hs_reader *r)
{
    const char *s = (const char *)r->p;
    size_t room = (size_t)(r->end - r->p);
    size_t n = strnlen(s, room);
    if (r->bad || n == room) {
        r->bad = true;
        return NULL;
    }
    r->p += n + 1;
    return s;
}

/* A string at offset in a string section, or NULL. */
static const char *string_at(const struct hs_section *strings, uint64_t offset)
{
    if (!strings->data || offset >= strings->size)
        return NULL;
    const char *s = (const char *)strings->data + offset;
    return strnlen(s, strings->size - offset) < strings->size - offset ? s : NULL;
}

/* ---- growing arrays in the shim's own memory ---- */

static bool grow(void **items, size_t *capacity, size_t item_size, size_t needed)
{
    if (needed <= *capacity)
        return true;
    size_t bigger = *capacity ? *capacity * 2 : 1024;
    while (bigger < needed)
        bigger *= 2;
    void *fresh = hs_region_map(bigger * item_size);
    if (!fresh)
        return false;
    if (*items) {
        memcpy(fresh, *items, *capacity * item_size);
        hs_region_unmap(*items, *capacity * item_size);
    }
    *items = fresh;
    *capacity = bigger;
    return true;
}

static bool add_row(struct hs_line_table *t, uint64_t address, uint32_t file, uint32_t line)
{
    if (!grow((void **)&t->rows, &t->row_capacity, sizeof *t->rows, t->row_count + 1))
        return false;
    t->rows[t->row_count++] = (struct hs_line_row){address, file, line};
    return true;
}

static bool add_file(struct hs_line_table *t, const char *dir, const char *name)
{
    if (!grow((void **)&t->files, &t->file_capacity, sizeof *t->files, t->file_count + 1))
        return false;
    t->files[t->file_count++] = (struct hs_source_file){dir, name, NULL};
    return true;
}

/* ---- unit headers ---- */

enum {
    LNCT_PATH = 1, LNCT_DIRECTORY_INDEX = 2,
    FORM_BLOCK = 0x09, FORM_DATA1 = 0x0b, FORM_DATA2 = 0x05, FORM_DATA4 = 0x06,
    FORM_DATA8 = 0x07, FORM_DATA16 = 0x1e, FORM_STRING = 0x08, FORM_STRP = 0x0e,
    FORM_UDATA = 0x0f, FORM_LINE_STRP = 0x1f,
};

struct unit {
    unsigned version, address_size, offset_size;
    uint8_t min_inst_length, default_is_stmt, line_range, opcode_base;
    int8_t line_base;
    const uint8_t *standard_lengths;
    size_t first_file;       /* this unit's file 0 (v5) or 1 (v2-4) in the table */
    size_t dir_count;
    const char *dirs[256];   /* the first 256 directories; more are unnamed */
};

/* One attribute value of a v5 entry: a string, a number, or skipped. */
static void read_form(struct hs_reader *r, const struct hs_elf *elf, const struct unit *u,
                      uint64_t form, const char **string, uint64_t *number)
{
    switch (form) {
    case FORM_STRING: *string = read_cstr(r); break;
    case FORM_LINE_STRP: *string = string_at(&elf->debug_line_str, hs_read_bytes(r, u->offset_size)); break;
    case FORM_STRP: *string = string_at(&elf->debug_str, hs_read_bytes(r, u->offset_size)); break;
    case FORM_UDATA: *number = hs_read_uleb(r); break;
    case FORM_DATA1: *number = hs_read_bytes(r, 1); break;
    case FORM_DATA2: *number = hs_read_bytes(r, 2); break;
    case FORM_DATA4: *number = hs_read_bytes(r, 4); break;
    case FORM_DATA8: *number = hs_read_bytes(r, 8); break;
    case FORM_DATA16: hs_read_bytes(r, 8), hs_read_bytes(r, 8); break;
    case FORM_BLOCK: hs_read_skip(r, hs_read_uleb(r)); break;
    default: r->bad = true; break;
    }
}

/* v5 directory or file entries: count entries of the given format. */
static bool read_entries_v5(struct hs_reader *r, const struct hs_elf *elf, struct unit *u,
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
    for (uint64_t e = 0; e < count && !r->bad; e++) {
        const char *path = NULL;
        uint64_t dir = 0;
        for (unsigned i = 0; i < format_count; i++) {
            const char *s = NULL;
            uint64_t n = 0;
            read_form(r, elf, u, formats[i][1], &s, &n);
            if (formats[i][0] == LNCT_PATH)
                path = s;
            else if (formats[i][0] == LNCT_DIRECTORY_INDEX)
                dir = n;
        }
        if (!files) {
            if (u->dir_count < 256)
                u->dirs[u->dir_count] = path;
            u->dir_count++;
        } else if (!add_file(t, dir < u->dir_count && dir < 256 ? u->dirs[dir] : NULL,
                             path ? path : "?")) {
            return false;
        }
    }
    return !r->bad;
}

static bool read_entries_v4(struct hs_reader *r, struct unit *u, struct hs_line_table *t)
{
    u->dirs[0] = NULL; /* the compilation directory, not in the table */
    u->dir_count = 1;
    for (const char *dir; (dir = read_cstr(r)) && *dir;) {
        if (u->dir_count < 256)
            u->dirs[u->dir_count] = dir;
        u->dir_count++;
    }
    for (const char *name; (name = read_cstr(r)) && *name;) {
        uint64_t dir = hs_read_uleb(r);
        hs_read_uleb(r); /* modification time */
        hs_read_uleb(r); /* length */
        if (!add_file(t, dir < u->dir_count && dir < 256 ? u->dirs[dir] : NULL, name))
            return false;
    }
    return !r->bad;
}

/* ---- the line-number program ---- */

static bool run_program(struct hs_reader *r, const struct unit *u, struct hs_line_table *t)
{
    uint64_t address = 0;
    uint32_t file = 1, line = 1;
    size_t files_in_unit = t->file_count - u->first_file;
    /* v2-4 number files from 1; the table holds them from first_file. */
    uint32_t file_base = u->version >= 5 ? 0 : 1;
#define ROW(addr, f, l)                                                              \
    if (!add_row(t, addr, (f) - file_base < files_in_unit ?                          \
                           (uint32_t)(u->first_file + (f) - file_base) : UINT32_MAX - 1, l)) \
        return false
    while (r->p < r->end && !r->bad) {
        uint8_t op = (uint8_t)hs_read_bytes(r, 1);
        if (op >= u->opcode_base) {
            unsigned adjusted = op - u->opcode_base;
            address += (adjusted / u->line_range) * u->min_inst_length;
            line += (uint32_t)(u->line_base + (int)(adjusted % u->line_range));
            ROW(address, file, line);
            continue;
        }
        switch (op) {
        case 0: { /* extended */
            uint64_t len = hs_read_uleb(r);
            if (len == 0 || len > (uint64_t)(r->end - r->p))
                return false;
            const uint8_t *next = r->p + len;
            uint8_t sub = (uint8_t)hs_read_bytes(r, 1);
            if (sub == 1) { /* end_sequence */
                if (!add_row(t, address, UINT32_MAX, 0))
                    return false;
                address = 0, file = 1, line = 1;
            } else if (sub == 2) { /* set_address */
                address = hs_read_bytes(r, u->address_size);
            }
            r->p = next;
            break;
        }
        case 1: ROW(address, file, line); break;                    /* copy */
        case 2: address += hs_read_uleb(r) * u->min_inst_length; break; /* advance_pc */
        case 3: line += (uint32_t)hs_read_sleb(r); break;               /* advance_line */
        case 4: file = (uint32_t)hs_read_uleb(r); break;                /* set_file */
        case 8: address += ((255u - u->opcode_base) / u->line_range) * u->min_inst_length; break;
        case 9: address += hs_read_bytes(r, 2); break;                      /* fixed_advance_pc */
        default: /* other standard opcodes: skip their operands */
            for (unsigned i = 0; i < u->standard_lengths[op - 1]; i++)
                hs_read_uleb(r);
            break;
        }
    }
#undef ROW
    return !r->bad;
}

static bool load_unit(struct hs_reader *all, const struct hs_elf *elf, struct hs_line_table *t)
{
    struct unit u = {0};
    uint64_t length = hs_read_bytes(all, 4);
    u.offset_size = 4;
    if (length == 0xffffffff) {
        length = hs_read_bytes(all, 8);
        u.offset_size = 8;
    }
    if (all->bad || length > (uint64_t)(all->end - all->p))
        return false;
    struct hs_reader r = {all->p, all->p + length, false};
    all->p += length;
    u.version = (unsigned)hs_read_bytes(&r, 2);
    if (u.version < 2 || u.version > 5)
        return false;
    u.address_size = 8;
    if (u.version >= 5) {
        u.address_size = (unsigned)hs_read_bytes(&r, 1);
        hs_read_bytes(&r, 1); /* segment selector size */
        if (u.address_size != 4 && u.address_size != 8)
            return false;
    }
    uint64_t header_length = hs_read_bytes(&r, u.offset_size);
    if (r.bad || header_length > (uint64_t)(r.end - r.p))
        return false;
    const uint8_t *program = r.p + header_length;
    u.min_inst_length = (uint8_t)hs_read_bytes(&r, 1);
    if (u.version >= 4)
        hs_read_bytes(&r, 1); /* maximum operations per instruction */
    u.default_is_stmt = (uint8_t)hs_read_bytes(&r, 1);
    u.line_base = (int8_t)hs_read_bytes(&r, 1);
    u.line_range = (uint8_t)hs_read_bytes(&r, 1);
    u.opcode_base = (uint8_t)hs_read_bytes(&r, 1);
    if (r.bad || u.line_range == 0 || u.opcode_base == 0 ||
        (size_t)(r.end - r.p) < (size_t)(u.opcode_base - 1))
        return false;
    u.standard_lengths = r.p;
    r.p += u.opcode_base - 1;
    u.first_file = t->file_count;
    bool ok = u.version >= 5 ? read_entries_v5(&r, elf, &u, t, false) &&
                                   read_entries_v5(&r, elf, &u, t, true)
                             : read_entries_v4(&r, &u, t);
    if (!ok)
        return false;
    r.p = program;
    return run_program(&r, &u, t);
}

static bool row_less(const void *a, const void *b)
{
    const struct hs_line_row *x = a, *y = b;
    if (x->address != y->address)
        return x->address < y->address;
    return x->file == UINT32_MAX && y->file != UINT32_MAX; /* ends first */
}

bool hs_lines_load(const struct hs_elf *elf, struct hs_line_table *table)
{
    memset(table, 0, sizeof *table);
    if (!elf->debug_line.data)
        return false;
    struct hs_reader all = {elf->debug_line.data, elf->debug_line.data + elf->debug_line.size, false};
    while (all.p < all.end && !all.bad)
        if (!load_unit(&all, elf, table))
            break; /* keep the units read so far */
    if (table->row_count == 0)
        return false;
    hs_sort(table->rows, table->row_count, sizeof *table->rows, row_less);
    return true;
}

static const char *path_of(struct hs_source_file *f)
{
    if (f->path)
        return f->path;
    if (!f->dir || f->name[0] == '/') {
        f->path = f->name;
        return f->path;
    }
    size_t dl = strlen(f->dir), nl = strlen(f->name);
    char *joined = hs_region_map(dl + nl + 2);
    if (!joined)
        return f->name;
    memcpy(joined, f->dir, dl);
    joined[dl] = '/';
    memcpy(joined + dl + 1, f->name, nl + 1);
    f->path = joined;
    return joined;
}

bool hs_lines_find(struct hs_line_table *t, uint64_t vaddr, const char **file, unsigned *line)
{
    size_t lo = 0, hi = t->row_count; /* the answer is below hi */
    if (!t->rows || t->rows[0].address > vaddr)
        return false;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->rows[mid].address <= vaddr)
            lo = mid;
        else
            hi = mid;
    }
    const struct hs_line_row *row = &t->rows[lo];
    if (row->file >= t->file_count) /* a sequence's end, or a bad file */
        return false;
    *file = path_of(&t->files[row->file]);
    *line = row->line;
    return true;
}
