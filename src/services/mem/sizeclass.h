/* Size classes: multiples of 16 up to 128 bytes, then eight classes per
 * doubling, so rounding a request up wastes at most 12.5% above 128 bytes.
 * Class c holds blocks of hs_class_size(c) bytes; HS_CLASS_COUNT classes
 * cover every request up to HS_CLASS_MAX_SIZE. */
#ifndef HS_SIZECLASS_H
#define HS_SIZECLASS_H

#include <stddef.h>

#define HS_CLASS_MAX_SIZE ((size_t)64 * 1024)
#define HS_CLASS_COUNT 80
/* Eight classes of 16 to 128 bytes, then eight per doubling up to the
 * largest: the last class (hs_class_size below) is HS_CLASS_MAX_SIZE. */
_Static_assert((HS_CLASS_COUNT - 8) % 8 == 0 &&
                   HS_CLASS_MAX_SIZE == (size_t)128 << (HS_CLASS_COUNT - 8) / 8,
               "HS_CLASS_COUNT classes end at HS_CLASS_MAX_SIZE");

/* size: 1 to HS_CLASS_MAX_SIZE. */
static inline unsigned hs_size_class(size_t size)
{
    if (size <= 128)
        return (unsigned)((size + 15) / 16) - (size != 0);
    unsigned top = 63u - (unsigned)__builtin_clzll(size - 1);  /* >= 7 */
    unsigned step_index = (unsigned)((size - 1) >> (top - 3)); /* 8..15 */
    return 8 + (top - 7) * 8 + (step_index - 8);
}

static inline size_t hs_class_size(unsigned cls)
{
    if (cls < 8)
        return (size_t)(cls + 1) * 16;
    unsigned top = 7 + (cls - 8) / 8;
    unsigned step_index = 8 + (cls - 8) % 8;
    return (size_t)(step_index + 1) << (top - 3);
}

#endif
