#ifndef MYELIN_CMALLOC_SHIM_H
#define MYELIN_CMALLOC_SHIM_H

/* glibc's malloc tuning (malloc_trim, mallopt), which the Glibc module does not export. */
#include <malloc.h>

#endif
