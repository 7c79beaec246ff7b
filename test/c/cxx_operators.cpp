// cxx_operators: every C++ operator new/delete form allocates usable, aligned
// memory and frees it: plain, array, nothrow, sized delete, aligned new
// (std::align_val_t 64 and 4096), aligned nothrow, aligned sized delete, and
// the new-expressions that pick them. A huge throwing new throws
// std::bad_alloc (after calling the new_handler), a huge nothrow new returns
// nullptr. A vector/map/string/shared_ptr workload prints a checksum the test compares
// with the plain run. With --shim, every operator new/delete symbol must
// resolve into libheapshim.
//
// Prints "ok NAME" on stdout or "not ok NAME: detail" on stderr per check,
// then "checksum N" and "N checks, M failed"; exits 1 if any check failed.
#include <dlfcn.h>

#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

static int checks, failures;

struct Check {
    const char *name;
    int failed = 0;
    char why[256] = {};

    explicit Check(const char *n) : name(n) {}

    void failf(const char *fmt, ...) __attribute__((format(printf, 2, 3)))
    {
        if (failed++ == 0) {
            va_list ap;
            va_start(ap, fmt);
            std::vsnprintf(why, sizeof why, fmt, ap);
            va_end(ap);
        }
    }

    ~Check()
    {
        checks++;
        if (failed) {
            failures++;
            std::fprintf(stderr, "not ok %s: %s", name, why);
            if (failed > 1)
                std::fprintf(stderr, " (and %d more failures)", failed - 1);
            std::fputc('\n', stderr);
        } else {
            std::printf("ok %s\n", name);
        }
    }
};

// Sizes and pointers pass through volatiles so that the compiler can neither
// fold the sizes nor elide a new/delete pair.
static volatile std::size_t opaque_size;
static std::size_t hide(std::size_t n)
{
    opaque_size = n;
    return opaque_size;
}
static void *volatile sink;
static void use(void *p) { sink = p; }

static bool aligned(const void *p, std::size_t a)
{
    return (reinterpret_cast<std::uintptr_t>(p) & (a - 1)) == 0;
}

// Writes the whole block and reads it back; false if a byte did not stick.
static bool writable(void *p, std::size_t n, unsigned seed)
{
    unsigned char *b = static_cast<unsigned char *>(p);
    use(p);
    for (std::size_t i = 0; i < n; i++)
        b[i] = static_cast<unsigned char>(i * 7 + seed);
    use(p);
    for (std::size_t i = 0; i < n; i++)
        if (b[i] != static_cast<unsigned char>(i * 7 + seed))
            return false;
    return true;
}

static const std::size_t sizes[] = {0, 1, 24, 100, 4095, 4096, 4097, 100000, 1 << 20};

// Checks one block from a new form: non-null, aligned, writable.
static void check_block(Check &c, const char *form, void *p, std::size_t n, std::size_t align)
{
    if (!p) {
        c.failf("%s(%zu) returned nullptr", form, n);
        return;
    }
    if (!aligned(p, align))
        c.failf("%s(%zu) gave %p, not aligned to %zu", form, n, p, align);
    if (!writable(p, n, static_cast<unsigned>(n)))
        c.failf("%s(%zu): contents did not stick", form, n);
}

static void plain_forms()
{
    Check c("operator new / delete, new[] / delete[], sized deletes");
    for (std::size_t n : sizes) {
        void *p = ::operator new(hide(n));
        check_block(c, "operator new", p, n, 16);
        ::operator delete(p);
        p = ::operator new(hide(n));
        check_block(c, "operator new", p, n, 16);
        ::operator delete(p, n);
        p = ::operator new[](hide(n));
        check_block(c, "operator new[]", p, n, 16);
        ::operator delete[](p);
        p = ::operator new[](hide(n));
        check_block(c, "operator new[]", p, n, 16);
        ::operator delete[](p, n);
    }
    // operator new(0) gives distinct pointers.
    void *a = ::operator new(hide(0)), *b = ::operator new(hide(0));
    if (a == b)
        c.failf("two operator new(0) both returned %p", a);
    ::operator delete(a);
    ::operator delete (b, std::size_t{0});
}

static void nothrow_forms()
{
    Check c("nothrow operator new / new[] and nothrow deletes");
    for (std::size_t n : sizes) {
        void *p = ::operator new(hide(n), std::nothrow);
        check_block(c, "operator new(nothrow)", p, n, 16);
        ::operator delete(p, std::nothrow);
        p = ::operator new[](hide(n), std::nothrow);
        check_block(c, "operator new[](nothrow)", p, n, 16);
        ::operator delete[](p, std::nothrow);
        p = ::operator new(hide(n), std::nothrow);
        check_block(c, "operator new(nothrow)", p, n, 16);
        ::operator delete(p);
    }
}

static void aligned_forms(std::size_t align)
{
    char name[128];
    std::snprintf(name, sizeof name, "aligned operator new / new[] (%zu) and aligned deletes",
                  align);
    Check c(name);
    std::align_val_t al{align};
    for (std::size_t n : sizes) {
        void *p = ::operator new(hide(n), al);
        check_block(c, "aligned operator new", p, n, align);
        ::operator delete(p, al);
        p = ::operator new(hide(n), al);
        check_block(c, "aligned operator new", p, n, align);
        ::operator delete(p, n, al);
        p = ::operator new[](hide(n), al);
        check_block(c, "aligned operator new[]", p, n, align);
        ::operator delete[](p, al);
        p = ::operator new[](hide(n), al);
        check_block(c, "aligned operator new[]", p, n, align);
        ::operator delete[](p, n, al);
    }
}

static void aligned_nothrow_forms(std::size_t align)
{
    char name[128];
    std::snprintf(name, sizeof name,
                  "aligned nothrow operator new / new[] (%zu) and aligned nothrow deletes", align);
    Check c(name);
    std::align_val_t al{align};
    for (std::size_t n : sizes) {
        void *p = ::operator new(hide(n), al, std::nothrow);
        check_block(c, "aligned nothrow operator new", p, n, align);
        ::operator delete(p, al, std::nothrow);
        p = ::operator new[](hide(n), al, std::nothrow);
        check_block(c, "aligned nothrow operator new[]", p, n, align);
        ::operator delete[](p, al, std::nothrow);
        p = ::operator new(hide(n), al, std::nothrow);
        check_block(c, "aligned nothrow operator new", p, n, align);
        ::operator delete(p, n, al);
    }
}

struct Counted {
    static int live;
    unsigned value;
    Counted() : value(0xc0ffee) { live++; }
    ~Counted() { live--; }
};
int Counted::live;

struct alignas(64) Line {
    unsigned char bytes[64];
    Line() { std::memset(bytes, 0x11, sizeof bytes); }
    ~Line() { use(this); } // non-trivial: new[] keeps an array cookie
};

struct alignas(4096) Page {
    unsigned char bytes[4096];
    Page() { std::memset(bytes, 0x22, sizeof bytes); }
    ~Page() { use(this); }
};

static void new_expressions()
{
    Check c("new-expressions: objects, arrays, over-aligned types");
    int *one = new int(7);
    use(one);
    if (*one != 7 || !aligned(one, 16))
        c.failf("new int gave %p holding %d", static_cast<void *>(one), *one);
    delete one;

    std::size_t n = hide(1000);
    Counted *many = new Counted[n];
    use(many);
    // (an array with a destructor starts after a cookie: only alignof(T) holds)
    if (Counted::live != 1000 || !aligned(many, alignof(Counted)) || many[999].value != 0xc0ffee)
        c.failf("new Counted[1000]: %d live, at %p", Counted::live, static_cast<void *>(many));
    delete[] many;
    if (Counted::live != 0)
        c.failf("delete[] left %d Counted alive", Counted::live);

    Line *line = new Line;
    use(line);
    if (!aligned(line, 64) || line->bytes[63] != 0x11)
        c.failf("new Line gave %p", static_cast<void *>(line));
    delete line;
    Line *lines = new Line[hide(33)];
    use(lines);
    if (!aligned(lines, 64) || lines[32].bytes[0] != 0x11)
        c.failf("new Line[33] gave %p", static_cast<void *>(lines));
    delete[] lines;

    Page *page = new Page;
    use(page);
    if (!aligned(page, 4096) || page->bytes[4095] != 0x22)
        c.failf("new Page gave %p", static_cast<void *>(page));
    delete page;
    Page *pages = new (std::nothrow) Page[hide(5)];
    use(pages);
    if (!pages || !aligned(pages, 4096) || pages[4].bytes[4095] != 0x22)
        c.failf("new (nothrow) Page[5] gave %p", static_cast<void *>(pages));
    delete[] pages;
}

static bool under_shim;

static const std::size_t huge_sizes[] = {SIZE_MAX, SIZE_MAX - 4096, SIZE_MAX / 2 + 1, SIZE_MAX / 2};

// libstdc++ 12's aligned operator new rounds the size up to a multiple of the
// alignment without an overflow check, so SIZE_MAX wraps to a small request
// and succeeds. Those sizes are tried only under the shim, which must refuse
// them.
static bool libstdcxx_wraps(std::size_t n, std::size_t align)
{
    return !under_shim && n + (align - 1) < n;
}

// Runs f, which must throw std::bad_alloc; describes what happened otherwise.
template <class F> static void expect_bad_alloc(Check &c, const char *what, std::size_t n, F f)
{
    try {
        void *p = f();
        c.failf("%s(%#zx) returned %p instead of throwing", what, n, p);
    } catch (const std::bad_alloc &) {
        // as it should
    } catch (...) {
        c.failf("%s(%#zx) threw something other than std::bad_alloc", what, n);
    }
}

static void huge_throws()
{
    Check c("new of a huge size throws std::bad_alloc");
    for (std::size_t n : huge_sizes) {
        expect_bad_alloc(c, "operator new", n, [&] { return ::operator new(hide(n)); });
        expect_bad_alloc(c, "operator new[]", n, [&] { return ::operator new[](hide(n)); });
        if (!libstdcxx_wraps(n, 64))
            expect_bad_alloc(c, "aligned operator new", n,
                             [&] { return ::operator new (hide(n), std::align_val_t{64}); });
        if (!libstdcxx_wraps(n, 4096))
            expect_bad_alloc(c, "aligned operator new[]", n,
                             [&] { return ::operator new[](hide(n), std::align_val_t{4096}); });
        expect_bad_alloc(c, "new char[]", n,
                         [&] { return static_cast<void *>(new char[hide(n)]); });
    }
}

static int handler_calls;
static void new_handler()
{
    if (++handler_calls == 3)
        std::set_new_handler(nullptr);
}

static void huge_calls_new_handler()
{
    Check c("a failing new calls the new_handler until it is removed, then throws");
    for (int aligned_form = 0; aligned_form < 2; aligned_form++) {
        handler_calls = 0;
        std::set_new_handler(new_handler);
        const char *what = aligned_form ? "aligned operator new" : "operator new";
        std::size_t n = SIZE_MAX - 4096;
        expect_bad_alloc(c, what, n, [&] {
            return aligned_form ? ::operator new (hide(n), std::align_val_t{64})
                                : ::operator new(hide(n));
        });
        if (handler_calls != 3)
            c.failf("%s: the new_handler was called %d times, not 3", what, handler_calls);
        std::set_new_handler(nullptr);
    }
}

static void huge_nothrow()
{
    Check c("nothrow new of a huge size returns nullptr");
    for (std::size_t n : huge_sizes) {
        void *p;
        if ((p = ::operator new(hide(n), std::nothrow)))
            c.failf("operator new(%#zx, nothrow) returned %p", n, p);
        if ((p = ::operator new[](hide(n), std::nothrow)))
            c.failf("operator new[](%#zx, nothrow) returned %p", n, p);
        if (!libstdcxx_wraps(n, 64) &&
            (p = ::operator new (hide(n), std::align_val_t{64}, std::nothrow)))
            c.failf("operator new(%#zx, align 64, nothrow) returned %p", n, p);
        if (!libstdcxx_wraps(n, 4096) &&
            (p = ::operator new[](hide(n), std::align_val_t{4096}, std::nothrow)))
            c.failf("operator new[](%#zx, align 4096, nothrow) returned %p", n, p);
        if ((p = new (std::nothrow) char[hide(n)]))
            c.failf("new (nothrow) char[%#zx] returned %p", n, p);
    }
}

static std::uint64_t fnv(std::uint64_t h, const void *data, std::size_t n)
{
    const unsigned char *b = static_cast<const unsigned char *>(data);
    for (std::size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

// Containers growing, copying and shrinking; the checksum depends only on
// the data, so it must equal the plain run's.
static std::uint64_t container_workload()
{
    Check c("vector, map, unordered_map and string workload");
    std::uint64_t h = 14695981039346656037ull;
    std::map<int, std::string> names;
    std::unordered_map<std::string, std::vector<int>> groups;
    std::vector<std::string> log;
    for (int i = 0; i < 20000; i++) {
        std::string s = "item-" + std::to_string(i * 7919 % 20011);
        s.append(static_cast<std::size_t>(i % 97), static_cast<char>('a' + i % 26));
        names[i * 7919 % 20011] = s;
        groups[s.substr(0, 7)].push_back(i);
        if (i % 5 == 0)
            log.push_back(s + "/" + std::to_string(i));
        if (i % 1000 == 999) {
            // Drop a slice and shrink, so memory is freed and reused.
            for (int k = i - 500; k < i - 250; k++)
                names.erase(k * 7919 % 20011);
            log.erase(log.begin(), log.begin() + static_cast<long>(log.size() / 2));
            log.shrink_to_fit();
        }
    }
    int previous = -1;
    for (const auto &kv : names) {
        if (kv.first <= previous)
            c.failf("map out of order at key %d", kv.first);
        previous = kv.first;
        if (kv.second.compare(0, 5, "item-") != 0)
            c.failf("map value for %d corrupted: %.20s", kv.first, kv.second.c_str());
        h = fnv(h, &kv.first, sizeof kv.first);
        h = fnv(h, kv.second.data(), kv.second.size());
    }
    std::size_t grouped = 0;
    std::vector<std::string> keys;
    for (const auto &kv : groups) {
        keys.push_back(kv.first);
        grouped += kv.second.size();
    }
    if (grouped != 20000)
        c.failf("groups hold %zu entries, not 20000", grouped);
    std::map<std::string, std::size_t> sorted;
    for (const auto &k : keys)
        sorted[k] = groups[k].size();
    for (const auto &kv : sorted) {
        h = fnv(h, kv.first.data(), kv.first.size());
        h = fnv(h, &kv.second, sizeof kv.second);
    }
    for (const auto &s : log)
        h = fnv(h, s.data(), s.size());
    std::unordered_map<int, std::shared_ptr<std::string>> shared; // make_shared: one block each
    for (int i = 0; i < 5000; i++)
        shared[i % 1000] = std::make_shared<std::string>(std::to_string(i * 3));
    for (int i = 0; i < 1000; i++)
        h = fnv(h, shared[i]->data(), shared[i]->size());
    std::vector<std::uint64_t> big;
    for (std::uint64_t i = 0; i < 300000; i++)
        big.push_back(i * i);
    for (std::uint64_t i = 0; i < big.size(); i += 1000)
        if (big[i] != i * i)
            c.failf("vector element %llu corrupted", static_cast<unsigned long long>(i));
    h = fnv(h, big.data(), big.size() * sizeof big[0]);
    return h;
}

static const char *const operator_symbols[] = {
    "_Znwm",                               // new(size_t)
    "_Znam",                               // new[](size_t)
    "_ZnwmRKSt9nothrow_t",                 // new(size_t, nothrow_t)
    "_ZnamRKSt9nothrow_t",                 // new[](size_t, nothrow_t)
    "_ZnwmSt11align_val_t",                // new(size_t, align_val_t)
    "_ZnamSt11align_val_t",                // new[](size_t, align_val_t)
    "_ZnwmSt11align_val_tRKSt9nothrow_t",  // new(size_t, align_val_t, nothrow_t)
    "_ZnamSt11align_val_tRKSt9nothrow_t",  // new[](size_t, align_val_t, nothrow_t)
    "_ZdlPv",                              // delete(void *)
    "_ZdaPv",                              // delete[](void *)
    "_ZdlPvm",                             // delete(void *, size_t)
    "_ZdaPvm",                             // delete[](void *, size_t)
    "_ZdlPvRKSt9nothrow_t",                // delete(void *, nothrow_t)
    "_ZdaPvRKSt9nothrow_t",                // delete[](void *, nothrow_t)
    "_ZdlPvSt11align_val_t",               // delete(void *, align_val_t)
    "_ZdaPvSt11align_val_t",               // delete[](void *, align_val_t)
    "_ZdlPvmSt11align_val_t",              // delete(void *, size_t, align_val_t)
    "_ZdaPvmSt11align_val_t",              // delete[](void *, size_t, align_val_t)
    "_ZdlPvSt11align_val_tRKSt9nothrow_t", // delete(void *, align_val_t, nothrow_t)
    "_ZdaPvSt11align_val_tRKSt9nothrow_t", // delete[](void *, align_val_t, nothrow_t)
};

static void operators_are_the_shims()
{
    Check c("operator new and delete resolve into libheapshim");
    for (const char *sym : operator_symbols) {
        void *addr = dlsym(RTLD_DEFAULT, sym);
        Dl_info info;
        if (!addr) {
            c.failf("%s not found", sym);
        } else if (!dladdr(addr, &info) || !info.dli_fname) {
            c.failf("%s at %p: dladdr knows no module", sym, addr);
        } else if (!std::strstr(info.dli_fname, "libheapshim")) {
            c.failf("%s resolves into %s", sym, info.dli_fname);
        }
    }
}

int main(int argc, char **argv)
{
    bool shim = argc > 1 && std::strcmp(argv[1], "--shim") == 0;
    under_shim = shim;
    std::setvbuf(stdout, nullptr, _IOLBF, 0);

    if (shim)
        operators_are_the_shims();
    plain_forms();
    nothrow_forms();
    aligned_forms(64);
    aligned_forms(4096);
    aligned_nothrow_forms(64);
    aligned_nothrow_forms(4096);
    new_expressions();
    huge_throws();
    huge_calls_new_handler();
    huge_nothrow();
    std::uint64_t sum = container_workload();

    std::printf("checksum %016llx\n", static_cast<unsigned long long>(sum));
    std::printf("%d checks, %d failed\n", checks, failures);
    return failures != 0;
}
