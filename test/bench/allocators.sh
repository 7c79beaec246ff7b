# The allocators a benchmark compares, as "name preload-path" lines: plain
# glibc (no preload), the peers whose Debian libraries are installed
# (scripts/install-bench-deps installs them), and each built heapshim backend.
# shellcheck shell=bash
bench_allocators() {
    local libdir=/usr/lib/x86_64-linux-gnu
    echo "glibc -"
    [[ -f $libdir/libjemalloc.so.2 ]] && echo "jemalloc $libdir/libjemalloc.so.2"
    [[ -f $libdir/libtcmalloc_minimal.so.4 ]] && echo "tcmalloc $libdir/libtcmalloc_minimal.so.4"
    [[ -f $libdir/libmimalloc.so.2 ]] && echo "mimalloc $libdir/libmimalloc.so.2"
    local backend
    for backend in $HS_BACKENDS; do
        echo "heapshim-$backend $HS_LIB"
    done
}
