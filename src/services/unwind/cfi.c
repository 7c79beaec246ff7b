/* Call frame information from .eh_frame, for x86-64.
 *
 * A lookup: _dl_find_object gives the module's .eh_frame_hdr; its sorted
 * table gives the FDE covering pc; the FDE's CIE gives the initial rules;
 * running the CIE's and then the FDE's instructions up to pc gives the rules
 * at pc. Every read is checked against the end of the record it belongs to,
 * so corrupt tables end the walk instead of the process. */
#define _GNU_SOURCE
#include "services/unwind/cfi.h"

#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

#include "services/symbols/reader.h"

enum {
    PE_ABSPTR = 0x00,
    PE_ULEB128 = 0x01,
    PE_UDATA2 = 0x02,
    PE_UDATA4 = 0x03,
    PE_UDATA8 = 0x04,
    PE_SLEB128 = 0x09,
    PE_SDATA2 = 0x0a,
    PE_SDATA4 = 0x0b,
    PE_SDATA8 = 0x0c,
    PE_PCREL = 0x10,
    PE_DATAREL = 0x30,
    PE_INDIRECT = 0x80,
    PE_OMIT = 0xff,
};

enum { REG_RBP = 6, REG_RSP = 7, REG_RA = 16 };

/* A pointer in one of the DW_EH_PE encodings; data_base for datarel. */
static uintptr_t read_encoded(struct hs_reader *c, uint8_t encoding, uintptr_t data_base)
{
    if (encoding == PE_OMIT)
        return 0;
    uintptr_t at = (uintptr_t)c->p;
    uintptr_t v;
    switch (encoding & 0x0f) {
    case PE_ABSPTR: v = (uintptr_t)hs_read_bytes(c, 8); break;
    case PE_ULEB128: v = (uintptr_t)hs_read_uleb(c); break;
    case PE_UDATA2: v = (uintptr_t)hs_read_bytes(c, 2); break;
    case PE_UDATA4: v = (uintptr_t)hs_read_bytes(c, 4); break;
    case PE_UDATA8: v = (uintptr_t)hs_read_bytes(c, 8); break;
    case PE_SLEB128: v = (uintptr_t)hs_read_sleb(c); break;
    case PE_SDATA2: v = (uintptr_t)(int64_t)(int16_t)hs_read_bytes(c, 2); break;
    case PE_SDATA4: v = (uintptr_t)(int64_t)(int32_t)hs_read_bytes(c, 4); break;
    case PE_SDATA8: v = (uintptr_t)hs_read_bytes(c, 8); break;
    default: c->bad = true; return 0;
    }
    switch (encoding & 0x70) {
    case 0: break;
    case PE_PCREL: v += at; break;
    case PE_DATAREL: v += data_base; break;
    default: c->bad = true; return 0;
    }
    if (encoding & PE_INDIRECT) { /* not used in FDE lookups; refuse */
        c->bad = true;
        return 0;
    }
    return v;
}

/* ---- finding the FDE ---- */

/* The FDE for pc from the binary search table of .eh_frame_hdr. */
static const uint8_t *find_fde(const uint8_t *hdr, uintptr_t pc)
{
    struct hs_reader c = {hdr, hdr + 4, false};
    uint8_t version = (uint8_t)hs_read_bytes(&c, 1);
    uint8_t frame_ptr_enc = (uint8_t)hs_read_bytes(&c, 1);
    uint8_t count_enc = (uint8_t)hs_read_bytes(&c, 1);
    uint8_t table_enc = (uint8_t)hs_read_bytes(&c, 1);
    /* gcc and lld always write a table of signed 4-byte offsets from the
     * header: anything else is refused rather than searched slowly. */
    if (c.bad || version != 1 || table_enc != (PE_DATAREL | PE_SDATA4))
        return NULL;
    c.end = hdr + 64;
    read_encoded(&c, frame_ptr_enc, (uintptr_t)hdr);
    size_t count = (size_t)read_encoded(&c, count_enc, (uintptr_t)hdr);
    if (c.bad || count == 0)
        return NULL;
    const int32_t *table = (const int32_t *)c.p; /* pairs: start, fde */
    size_t lo = 0, hi = count;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if ((uintptr_t)hdr + (intptr_t)table[2 * mid] <= pc)
            lo = mid;
        else
            hi = mid;
    }
    if ((uintptr_t)hdr + (intptr_t)table[2 * lo] > pc)
        return NULL;
    return hdr + (intptr_t)table[2 * lo + 1];
}

/* ---- running the CFA program ---- */

struct rules {
    uint8_t cfa_reg;
    int64_t cfa_offset;
    bool cfa_unsupported;
    bool ra_undefined;
    bool ra_saved, rbp_saved;
    int64_t ra_offset, rbp_offset;
};

struct cie {
    uint64_t code_align;
    int64_t data_align;
    uint64_t ra_reg;
    uint8_t fde_encoding;
    bool has_augmentation_data;
    struct hs_reader instructions;
};

static void set_saved(struct rules *r, uint64_t reg, int64_t offset)
{
    if (reg == REG_RA) {
        r->ra_saved = true;
        r->ra_offset = offset;
    } else if (reg == REG_RBP) {
        r->rbp_saved = true;
        r->rbp_offset = offset;
    }
}

static void set_unsaved(struct rules *r, const struct rules *initial, uint64_t reg)
{
    if (reg == REG_RA) {
        r->ra_saved = initial->ra_saved;
        r->ra_offset = initial->ra_offset;
    } else if (reg == REG_RBP) {
        r->rbp_saved = initial->rbp_saved;
        r->rbp_offset = initial->rbp_offset;
    }
}

/* Runs instructions until the location passes pc (pc == UINTPTR_MAX: all of
 * them). Returns false on an instruction this model cannot follow. */
static bool run_program(struct hs_reader *c, const struct cie *cie, uintptr_t location,
                        uintptr_t pc, struct rules *r, const struct rules *initial)
{
    struct rules saved_states[8];
    unsigned depth = 0;
    while (c->p < c->end && !c->bad) {
        uint8_t op = (uint8_t)hs_read_bytes(c, 1);
        uint8_t low = op & 0x3f;
        uint64_t reg;
        switch (op >> 6) {
        case 1: /* advance_loc */
            location += low * cie->code_align;
            if (location > pc)
                return true;
            continue;
        case 2: /* offset */
            set_saved(r, low, (int64_t)hs_read_uleb(c) * cie->data_align);
            continue;
        case 3: /* restore */ set_unsaved(r, initial, low); continue;
        }
        switch (op) {
        case 0x00: break; /* nop */
        case 0x01:        /* set_loc */
            location = read_encoded(c, cie->fde_encoding, 0);
            if (location > pc)
                return true;
            break;
        case 0x02:
        case 0x03:
        case 0x04: { /* advance_loc1, 2, 4 */
            unsigned size = op == 0x02 ? 1 : op == 0x03 ? 2 : 4;
            location += hs_read_bytes(c, size) * cie->code_align;
            if (location > pc)
                return true;
            break;
        }
        case 0x05: /* offset_extended */
            reg = hs_read_uleb(c);
            set_saved(r, reg, (int64_t)hs_read_uleb(c) * cie->data_align);
            break;
        case 0x11: /* offset_extended_sf */
            reg = hs_read_uleb(c);
            set_saved(r, reg, hs_read_sleb(c) * cie->data_align);
            break;
        case 0x06:
        case 0x08: /* restore_extended, same_value */
            reg = hs_read_uleb(c);
            if (op == 0x06)
                set_unsaved(r, initial, reg);
            else if (reg == REG_RBP)
                r->rbp_saved = false;
            break;
        case 0x07: /* undefined */
            if (hs_read_uleb(c) == REG_RA)
                r->ra_undefined = true;
            break;
        case 0x09: /* register: a register kept in another */
            reg = hs_read_uleb(c);
            hs_read_uleb(c);
            if (reg == REG_RA || reg == REG_RBP)
                return false;
            break;
        case 0x0a: /* remember_state */
            if (depth == 8)
                return false;
            saved_states[depth++] = *r;
            break;
        case 0x0b: /* restore_state */
            if (depth == 0)
                return false;
            *r = saved_states[--depth];
            break;
        case 0x0c: /* def_cfa */
            r->cfa_reg = (uint8_t)hs_read_uleb(c);
            r->cfa_offset = (int64_t)hs_read_uleb(c);
            r->cfa_unsupported = false;
            break;
        case 0x12: /* def_cfa_sf */
            r->cfa_reg = (uint8_t)hs_read_uleb(c);
            r->cfa_offset = hs_read_sleb(c) * cie->data_align;
            r->cfa_unsupported = false;
            break;
        case 0x0d: /* def_cfa_register */ r->cfa_reg = (uint8_t)hs_read_uleb(c); break;
        case 0x0e: /* def_cfa_offset */ r->cfa_offset = (int64_t)hs_read_uleb(c); break;
        case 0x13: /* def_cfa_offset_sf */ r->cfa_offset = hs_read_sleb(c) * cie->data_align; break;
        case 0x0f: /* def_cfa_expression */
            hs_read_skip(c, hs_read_uleb(c));
            r->cfa_unsupported = true;
            break;
        case 0x10:
        case 0x16: /* expression, val_expression */
            reg = hs_read_uleb(c);
            hs_read_skip(c, hs_read_uleb(c));
            if (reg == REG_RA || reg == REG_RBP)
                return false;
            break;
        case 0x14:
        case 0x15: /* val_offset, val_offset_sf */
            reg = hs_read_uleb(c);
            if (op == 0x14)
                hs_read_uleb(c);
            else
                hs_read_sleb(c);
            if (reg == REG_RA || reg == REG_RBP)
                return false;
            break;
        case 0x2e: /* GNU_args_size */ hs_read_uleb(c); break;
        case 0x2f: /* GNU_negative_offset_extended */
            reg = hs_read_uleb(c);
            set_saved(r, reg, -(int64_t)hs_read_uleb(c) * cie->data_align);
            break;
        default: return false;
        }
    }
    return !c->bad;
}

/* Opens the record at p: its body, and whether it is a CIE. */
static bool open_record(const uint8_t *p, struct hs_reader *body, uint32_t *id,
                        const uint8_t **id_at)
{
    struct hs_reader c = {p, p + 12, false};
    uint64_t length = hs_read_bytes(&c, 4);
    if (length == 0xffffffff || length == 0 || c.bad)
        return false; /* 64-bit records never appear in .eh_frame */
    *id_at = c.p;
    *id = (uint32_t)hs_read_bytes(&c, 4);
    body->p = c.p;
    body->end = *id_at + length;
    body->bad = c.bad;
    return !c.bad;
}

static bool parse_cie(const uint8_t *p, struct cie *cie)
{
    struct hs_reader c;
    uint32_t id;
    const uint8_t *id_at;
    if (!open_record(p, &c, &id, &id_at) || id != 0)
        return false;
    uint8_t version = (uint8_t)hs_read_bytes(&c, 1);
    const char *augmentation = (const char *)c.p;
    size_t aug_len = strnlen(augmentation, (size_t)(c.end - c.p));
    c.p += aug_len + 1;
    if (version != 1 && version != 3)
        return false;
    if (aug_len >= 2 && augmentation[0] == 'e' && augmentation[1] == 'h')
        return false; /* ancient gcc, not met on current systems */
    cie->code_align = hs_read_uleb(&c);
    cie->data_align = hs_read_sleb(&c);
    cie->ra_reg = version == 1 ? hs_read_bytes(&c, 1) : hs_read_uleb(&c);
    cie->fde_encoding = PE_ABSPTR;
    cie->has_augmentation_data = aug_len > 0 && augmentation[0] == 'z';
    if (cie->has_augmentation_data) {
        uint64_t len = hs_read_uleb(&c);
        const uint8_t *after = c.p + len;
        for (size_t i = 1; i < aug_len && !c.bad; i++) {
            switch (augmentation[i]) {
            case 'R': cie->fde_encoding = (uint8_t)hs_read_bytes(&c, 1); break;
            case 'L': hs_read_bytes(&c, 1); break;
            case 'P': read_encoded(&c, (uint8_t)hs_read_bytes(&c, 1) & 0x7f, 0); break;
            case 'S':
            case 'B': break;
            default: return false;
            }
        }
        if ((size_t)(c.end - c.p) < (size_t)(after - c.p) || after < c.p)
            return false;
        c.p = after;
    }
    cie->instructions = c;
    return !c.bad && cie->ra_reg == REG_RA;
}

bool hs_cfi_rule(uintptr_t pc, struct hs_cfi_rule *out)
{
    struct dl_find_object found;
    if (_dl_find_object((void *)pc, &found) != 0 || !found.dlfo_eh_frame)
        return false;
    const uint8_t *fde = find_fde(found.dlfo_eh_frame, pc);
    if (!fde)
        return false;
    struct hs_reader c;
    uint32_t cie_offset;
    const uint8_t *id_at;
    if (!open_record(fde, &c, &cie_offset, &id_at) || cie_offset == 0)
        return false;
    struct cie cie;
    if (!parse_cie(id_at - cie_offset, &cie))
        return false;
    uintptr_t start = read_encoded(&c, cie.fde_encoding, 0);
    uintptr_t range = read_encoded(&c, cie.fde_encoding & 0x0f, 0);
    if (c.bad || pc < start || pc - start >= range)
        return false;
    if (cie.has_augmentation_data) {
        uint64_t len = hs_read_uleb(&c);
        if (len > (uint64_t)(c.end - c.p))
            return false;
        c.p += len;
    }
    struct rules initial = {.cfa_reg = REG_RSP};
    struct hs_reader cie_program = cie.instructions;
    if (!run_program(&cie_program, &cie, start, UINTPTR_MAX, &initial, &initial))
        return false;
    struct rules r = initial;
    if (!run_program(&c, &cie, start, pc, &r, &initial))
        return false;
    if (r.cfa_unsupported || (r.cfa_reg != REG_RSP && r.cfa_reg != REG_RBP) ||
        (!r.ra_saved && !r.ra_undefined))
        return false;
    *out = (struct hs_cfi_rule){
        .cfa_from_rbp = r.cfa_reg == REG_RBP,
        .cfa_offset = (int32_t)r.cfa_offset,
        .ra_offset = (int32_t)r.ra_offset,
        .rbp_saved = r.rbp_saved,
        .rbp_offset = (int32_t)r.rbp_offset,
        .outermost = r.ra_undefined,
    };
    return true;
}
