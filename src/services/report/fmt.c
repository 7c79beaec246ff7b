/* Formatting without stdio. */
#include "services/report/fmt.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static bool addresses_hidden;

void hs_fmt_hide_addresses(void) { addresses_hidden = true; }

struct out {
    char *buf;
    size_t cap;
    size_t len;
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->cap)
        o->buf[o->len] = c;
    o->len++;
}

struct spec {
    bool left, zero, group;
    unsigned width;
};

static void put_padded(struct out *o, const struct spec *sp, const char *s, size_t n)
{
    size_t pad = sp->width > n ? sp->width - n : 0;
    char fill = sp->zero && !sp->left ? '0' : ' ';
    if (fill == '0' && n && *s == '-') { /* the sign before the zeros: -0042 */
        put(o, *s++);
        n--;
    }
    if (!sp->left)
        while (pad--)
            put(o, fill);
    while (n--)
        put(o, *s++);
    if (sp->left)
        while (pad--)
            put(o, ' ');
}

static void put_number(struct out *o, const struct spec *sp, uint64_t v, unsigned base,
                       bool negative)
{
    char digits[32];
    size_t n = 0;
    int in_group = 0;
    do {
        if (sp->group && in_group == 3) {
            digits[n++] = ',';
            in_group = 0;
        }
        digits[n++] = "0123456789abcdef"[v % base];
        in_group++;
        v /= base;
    } while (v);
    if (negative)
        digits[n++] = '-';
    char text[32];
    for (size_t i = 0; i < n; i++)
        text[i] = digits[n - 1 - i];
    put_padded(o, sp, text, n);
}

size_t hs_vformat(char *buf, size_t cap, const char *fmt, va_list ap)
{
    struct out o = {buf, cap, 0};
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            put(&o, *f);
            continue;
        }
        struct spec sp = {0};
        for (f++;; f++) {
            if (*f == '-')
                sp.left = true;
            else if (*f == '0')
                sp.zero = true;
            else if (*f == '\'')
                sp.group = true;
            else
                break;
        }
        while (*f >= '0' && *f <= '9')
            sp.width = sp.width * 10 + (unsigned)(*f++ - '0');
        int longness = 0; /* 0 int, 1 long / size_t, 2 long long */
        while (*f == 'l' || *f == 'z') {
            longness = *f == 'z' ? 1 : longness + 1;
            f++;
        }
        switch (*f) {
        case 'd':
        case 'i': {
            int64_t v = longness == 0   ? va_arg(ap, int)
                        : longness == 1 ? va_arg(ap, long)
                                        : va_arg(ap, long long);
            uint64_t magnitude = v < 0 ? -(uint64_t)v : (uint64_t)v;
            put_number(&o, &sp, magnitude, 10, v < 0);
            break;
        }
        case 'u':
        case 'x': {
            uint64_t v = longness == 0   ? va_arg(ap, unsigned)
                         : longness == 1 ? va_arg(ap, unsigned long)
                                         : va_arg(ap, unsigned long long);
            put_number(&o, &sp, v, *f == 'x' ? 16 : 10, false);
            break;
        }
        case 'p': {
            uintptr_t address = (uintptr_t)va_arg(ap, void *);
            if (addresses_hidden) {
                put_padded(&o, &sp, "[hidden]", 8);
                break;
            }
            put(&o, '0');
            put(&o, 'x');
            put_number(&o, &sp, address, 16, false);
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            put_padded(&o, &sp, s, strlen(s));
            break;
        }
        case 'c': {
            char c = (char)va_arg(ap, int);
            put_padded(&o, &sp, &c, 1);
            break;
        }
        case '%': put(&o, '%'); break;
        default: /* unknown conversion: print it as written */
            put(&o, '%');
            if (!*f)
                f--;
            else
                put(&o, *f);
            break;
        }
    }
    if (cap > 0)
        buf[o.len < cap ? o.len : cap - 1] = '\0';
    return o.len < cap ? o.len : (cap ? cap - 1 : 0);
}

size_t hs_format(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t n = hs_vformat(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}

void hs_printf(struct hs_writer *w, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    size_t n = hs_vformat(line, sizeof line, fmt, ap);
    va_end(ap);
    hs_writer_put(w, line, n);
}
