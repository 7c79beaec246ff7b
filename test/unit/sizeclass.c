/* Unit tests of services/mem/sizeclass: every class's size (multiples of 16
 * up to 128, strictly increasing, 16-byte aligned, the last one
 * HS_CLASS_MAX_SIZE), hs_size_class(hs_class_size(c)) == c, and for every
 * request from 1 to HS_CLASS_MAX_SIZE: the smallest class that holds it,
 * with at most 12.5% rounding waste above 128 bytes. */
#include <stdbool.h>

#include "services/mem/sizeclass.h"
#include "unit.h"

static void classes(void)
{
    for (unsigned c = 0; c < 8; c++)
        CHECK_EQ_U(hs_class_size(c), (c + 1) * 16);
    bool ok = true;
    for (unsigned c = 0; c < HS_CLASS_COUNT; c++) {
        size_t size = hs_class_size(c);
        ok &= size % 16 == 0;
        ok &= c == 0 || size > hs_class_size(c - 1);
        ok &= hs_size_class(size) == c; /* round trip */
        ok &= c == 0 || hs_size_class(hs_class_size(c - 1) + 1) == c;
    }
    CHECK(ok);
    CHECK_EQ_U(hs_class_size(HS_CLASS_COUNT - 1), HS_CLASS_MAX_SIZE);
    CHECK_EQ_U(hs_size_class(HS_CLASS_MAX_SIZE), HS_CLASS_COUNT - 1);
}

static void every_request(void)
{
    unsigned not_fitting = 0, not_smallest = 0, too_wasteful = 0, out_of_range = 0;
    for (size_t size = 1; size <= HS_CLASS_MAX_SIZE; size++) {
        unsigned c = hs_size_class(size);
        if (c >= HS_CLASS_COUNT) {
            out_of_range++;
            continue;
        }
        size_t held = hs_class_size(c);
        not_fitting += held < size;
        not_smallest += c > 0 && hs_class_size(c - 1) >= size;
        too_wasteful += size > 128 && (held - size) * 8 > size;
    }
    CHECK_EQ_U(out_of_range, 0);
    CHECK_EQ_U(not_fitting, 0);
    CHECK_EQ_U(not_smallest, 0);
    CHECK_EQ_U(too_wasteful, 0);
    CHECK_EQ_U(hs_size_class(1), 0);
    CHECK_EQ_U(hs_size_class(16), 0);
    CHECK_EQ_U(hs_size_class(17), 1);
    CHECK_EQ_U(hs_size_class(128), 7);
    CHECK_EQ_U(hs_class_size(hs_size_class(129)), 144);
    CHECK_EQ_U(hs_class_size(hs_size_class(1000)), 1024);
    CHECK_EQ_U(hs_class_size(hs_size_class(1025)), 1152);
}

int main(void)
{
    classes();
    every_request();
    return unit_done("sizeclass");
}
