// Every operator new/delete form goes through the shim and behaves: plain,
// array, nothrow, sized, aligned (64 and 4096), aligned nothrow, aligned
// sized delete; a huge throwing new throws std::bad_alloc, a huge nothrow new
// returns nullptr; containers work. With --shim, operator new must resolve
// into libheapshim. Prints "ok" or the failed checks and exits 1.
#include <dlfcn.h>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

static int failures;

static void check(bool ok, const char *what)
{
    if (!ok) {
        std::printf("not ok %s\n", what);
        failures++;
    }
}

static bool aligned(const void *p, std::size_t a)
{
    return (reinterpret_cast<std::uintptr_t>(p) & (a - 1)) == 0;
}

struct alignas(64) Line {
    char bytes[64];
};

struct alignas(4096) Page {
    char bytes[4096];
};

int main(int argc, char **argv)
{
    bool shim = argc > 1 && std::strcmp(argv[1], "--shim") == 0;

    int *one = new int(7);
    int *many = new int[100];
    many[99] = 1;
    check(*one == 7 && aligned(one, 16) && aligned(many, 16), "new and new[]");
    delete one;
    delete[] many;

    int *quiet = new (std::nothrow) int(3);
    char *quiet_array = new (std::nothrow) char[50];
    check(quiet && quiet_array && *quiet == 3, "nothrow new");
    delete quiet;
    delete[] quiet_array;

    void *raw = ::operator new(48);
    std::memset(raw, 1, 48);
    ::operator delete(raw, 48); // sized delete
    void *raw_array = ::operator new[](80);
    ::operator delete[](raw_array, 80);

    Line *line = new Line();
    Page *page = new Page();
    Line *lines = new Line[3];
    check(aligned(line, 64) && aligned(page, 4096) && aligned(lines, 64), "aligned new");
    std::memset(page->bytes, 2, sizeof page->bytes);
    delete line;
    delete page;
    delete[] lines;
    void *a = ::operator new(100, std::align_val_t(256), std::nothrow);
    check(a && aligned(a, 256), "aligned nothrow new");
    ::operator delete(a, std::align_val_t(256), std::nothrow);
    void *b = ::operator new(100, std::align_val_t(128));
    ::operator delete(b, 100, std::align_val_t(128)); // aligned sized delete

    bool threw = false;
    try {
        volatile std::size_t huge = SIZE_MAX / 2;
        void *never = ::operator new(huge);
        ::operator delete(never);
    } catch (const std::bad_alloc &) {
        threw = true;
    }
    check(threw, "huge new throws std::bad_alloc");
    volatile std::size_t huge = SIZE_MAX / 2;
    check(::operator new(huge, std::nothrow) == nullptr, "huge nothrow new returns nullptr");

    std::map<std::string, std::vector<int>> index;
    std::unordered_map<int, std::shared_ptr<std::string>> names;
    long checksum = 0;
    for (int i = 0; i < 20000; i++) {
        index[std::to_string(i % 997)].push_back(i);
        names[i] = std::make_shared<std::string>(std::to_string(i * 3));
    }
    for (const auto &entry : index)
        for (int v : entry.second)
            checksum += v;
    for (const auto &entry : names)
        checksum += static_cast<long>(entry.second->size());
    long expected = 0;
    for (int i = 0; i < 20000; i++) {
        char digits[16];
        expected += i + std::snprintf(digits, sizeof digits, "%d", i * 3);
    }
    check(checksum == expected, "containers");

    if (shim) {
        Dl_info info;
        void *sym = dlsym(RTLD_DEFAULT, "_Znwm");
        check(sym && dladdr(sym, &info) && std::strstr(info.dli_fname, "libheapshim"),
              "operator new resolves into libheapshim");
    }
    std::puts(failures ? "failed" : "ok");
    return failures != 0;
}
