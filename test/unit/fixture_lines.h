/* Part of the fixture of test/unit/dwarf_lines.c and cfi.c: what the
 * tests read of it, and a function whose code comes from this header, so
 * that the line table names two files. */
struct fixture_mark {
    void *return_address;
    int line;
};

void fixture_note(int line);

static inline int fixture_twice(int x)
{
    fixture_note(__LINE__);
    return 2 * x;
}
