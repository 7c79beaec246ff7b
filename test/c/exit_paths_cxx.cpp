// exit_paths_cxx: output through std::cout (with and without stdio sync)
// and from a static object's destructor, then a leak; returns 0. Under
// HEAPSHIM_LEAK_EXITCODE the status changes and every line still appears.
#include <cstdlib>
#include <cstring>
#include <iostream>

static void *volatile sink;

struct Farewell {
    ~Farewell() { std::cout << "static destructor ran" << std::endl; }
} farewell;

__attribute__((noinline)) static void leak()
{
    sink = new char[40]; // SITE leak
    sink = nullptr;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !std::strcmp(argv[1], "unsynced"))
        std::ios::sync_with_stdio(false);
    leak();
    std::cout << "main ran\n"; // no flush: cout's buffer or stdout's
    return 0;
}
