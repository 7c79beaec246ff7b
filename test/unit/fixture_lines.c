/* The fixture of test/unit/dwarf_lines.c and test/unit/cfi.c, built at -O0
 * (so each function keeps a frame pointer) into a shared object with no C
 * library, once with DWARF 5 and once with DWARF 4 line tables.
 * fixture_run() calls fixture_note(__LINE__) from known lines, here and in
 * fixture_lines.h; fixture_note keeps each caller's return address with the
 * line, so the test knows the line of an address inside each call. */
#include "fixture_lines.h"

struct fixture_mark fixture_marks[8];
int fixture_mark_count;

__attribute__((noinline)) void fixture_note(int line)
{
    fixture_marks[fixture_mark_count].return_address = __builtin_return_address(0);
    fixture_marks[fixture_mark_count].line = line;
    fixture_mark_count++;
}

int fixture_run(int n)
{
    int total = 0;
    fixture_note(__LINE__);
    for (int i = 0; i < n; i++)
        total += fixture_twice(i);
    fixture_note(__LINE__);
    return total;
}
