/* heapshim: what a program can ask of the shim.
 *
 * The shim is loaded with LD_PRELOAD onto programs that are not rebuilt;
 * this header is for the programs that want to talk to it. Everything here
 * is optional: a program that includes it runs the same without the shim. */
#ifndef HEAPSHIM_H
#define HEAPSHIM_H

#define HEAPSHIM_VERSION "0.1.0"
#define HEAPSHIM_VERSION_MAJOR 0
#define HEAPSHIM_VERSION_MINOR 1
#define HEAPSHIM_VERSION_PATCH 0

#ifdef __cplusplus
extern "C" {
#endif

/* The name of the active backend ("page", ...), or NULL when the shim is
 * not preloaded: the symbol is weak, so test it before calling, as in
 *     const char *b = heapshim_backend ? heapshim_backend() : NULL; */
const char *heapshim_backend(void) __attribute__((weak));

#ifdef __cplusplus
}
#endif

#endif
