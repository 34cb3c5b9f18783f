/*
 * The header jextract reads for Stride's OpenBLAS bindings (see scripts/generate-bindings).
 *
 * cblas.h pulls in openblas_config.h, which typedefs bfloat16 as uint16_t from <stdint.h>. Debian's
 * libclang, as bundled into jextract, does not find the system <stdint.h>, so the typedef is given
 * here and BFLOAT16 tells openblas_config.h to skip its own. Stride never calls the bfloat16
 * functions; the typedef only has to parse, and it has the same width as OpenBLAS's.
 */
#ifndef STRIDE_OPENBLAS_H
#define STRIDE_OPENBLAS_H

typedef unsigned short bfloat16;
#define BFLOAT16 1

#include <cblas.h>

#endif
