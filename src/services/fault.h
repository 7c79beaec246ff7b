/* The fault service: turns a SIGSEGV on a guard page or a freed block into a
 * diagnostic naming the block, then lets the process die of the signal as it
 * would have. Faults that are not the backend's go to whatever handler the
 * program had, untouched. */
#ifndef HS_FAULT_H
#define HS_FAULT_H

#include "../backend.h"

/* Installs the handler for a backend that can locate addresses. */
void hs_fault_install(const struct hs_backend *backend);

#endif
