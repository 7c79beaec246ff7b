// Releases a block with the wrong function, chosen by argv[1]:
// new-free, malloc-delete, newarray-delete, new-deletearray.
#include <cstdio>
#include <cstdlib>
#include <cstring>

struct Widget {
    char name[40];
};

// The mismatches are this program's point: gcc must not warn about them.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#pragma GCC diagnostic ignored "-Wmismatched-dealloc"

int main(int argc, char **argv)
{
    if (argc < 2)
        return 64;
    const char *what = argv[1];
    if (std::strcmp(what, "new-free") == 0) {
        Widget *w = new Widget();
        std::free(w);
    } else if (std::strcmp(what, "malloc-delete") == 0) {
        Widget *w = static_cast<Widget *>(std::malloc(sizeof(Widget)));
        delete w;
    } else if (std::strcmp(what, "newarray-delete") == 0) {
        char *a = new char[40];
        delete a;
    } else if (std::strcmp(what, "new-deletearray") == 0) {
        Widget *w = new Widget();
        delete[] reinterpret_cast<char *>(w);
    } else {
        return 64;
    }
    std::puts("missed");
    return 0;
}
