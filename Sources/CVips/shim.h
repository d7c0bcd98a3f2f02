#include <vips/vips.h>
/* Swift cannot call C variadic functions; libvips's operation API is variadic, so every call the
   thumbnailer needs gets a static inline wrapper here. */
static inline int myelin_vips_init(const char *argv0) { return VIPS_INIT(argv0); }
