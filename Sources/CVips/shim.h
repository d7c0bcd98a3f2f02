#include <vips/vips.h>
/* Swift cannot call C variadic functions; libvips's operation API is variadic, so every call the
   thumbnailer needs gets a static inline wrapper here. Each wrapper passes a fixed option list, so
   the Swift side never builds a varargs list and every call is NULL-terminated. */

static inline int myelin_vips_init(const char *argv0) { return VIPS_INIT(argv0); }

/* Header-only open: with sequential access libvips reads just the header here and decodes later,
   so the size check happens before any pixel is decoded. NULL on failure (error in vips_error_buffer). */
static inline VipsImage *myelin_vips_open_header(const char *path) {
    return vips_image_new_from_file(path, "access", VIPS_ACCESS_SEQUENTIAL, NULL);
}

/* crop != 0: fill WxH and cut the centre out (exact size). crop == 0: fit inside WxH keeping the
   aspect ratio, upscaling only if upscale != 0. vips_thumbnail autorotates from EXIF orientation by default and uses
   shrink-on-load where the format has it. fail_on=ERROR turns truncated or damaged data into a
   failure instead of libvips's lenient default (a half-grey image); it must be given to vips_thumbnail
   itself, which overrides a fail-on in the file name. Other loader options ride on the file name as
   "path[n=-1]": the file form of vips_thumbnail has no option_string argument in 8.14. */
static inline int myelin_vips_thumbnail(const char *path_with_options, VipsImage **out, int width, int height,
                                        int crop, int upscale) {
    return vips_thumbnail(path_with_options, out, width,
        "height", height,
        "crop", crop ? VIPS_INTERESTING_CENTRE : VIPS_INTERESTING_NONE,
        "size", upscale ? VIPS_SIZE_BOTH : VIPS_SIZE_DOWN,
        "fail_on", VIPS_FAIL_ON_ERROR,
        NULL);
}

/* Savers used for thumbnails: all strip metadata (EXIF, XMP, ICC) since thumbnails are public. */
static inline int myelin_vips_jpegsave_buffer(VipsImage *in, void **buf, size_t *len, int quality) {
    return vips_jpegsave_buffer(in, buf, len, "Q", quality, "strip", TRUE, NULL);
}
static inline int myelin_vips_pngsave_buffer(VipsImage *in, void **buf, size_t *len) {
    return vips_pngsave_buffer(in, buf, len, "strip", TRUE, NULL);
}
static inline int myelin_vips_webpsave_buffer(VipsImage *in, void **buf, size_t *len, int quality) {
    return vips_webpsave_buffer(in, buf, len, "Q", quality, "strip", TRUE, NULL);
}
static inline int myelin_vips_gifsave_buffer(VipsImage *in, void **buf, size_t *len) {
    return vips_gifsave_buffer(in, buf, len, "strip", TRUE, NULL);
}

/* Used by the synth subcommand only: the saver is chosen from the suffix (".jpg", ".gif", ...) and
   metadata such as "orientation" is kept (no strip), which is how a test JPEG gets its EXIF tag. */
static inline int myelin_vips_write_to_buffer(VipsImage *in, const char *suffix, void **buf, size_t *len) {
    return vips_image_write_to_buffer(in, suffix, buf, len, NULL);
}

/* Per-frame crop of an animation (vips_thumbnail 8.14 crops the whole frame stack as one image). */
static inline int myelin_vips_extract_area(VipsImage *in, VipsImage **out, int left, int top, int width, int height) {
    return vips_extract_area(in, out, left, top, width, height, NULL);
}
/* Stacks frames vertically again (one per row), the layout libvips uses for animations. */
static inline int myelin_vips_stack_frames(VipsImage **frames, VipsImage **out, int n) {
    return vips_arrayjoin(frames, out, n, "across", 1, NULL);
}

/* Not libvips, but only the worker needs it and Swift's Glibc module does not export malloc.h:
   returns memory freed after a large decode to the OS so an idle worker stays small. */
#include <malloc.h>
static inline void myelin_malloc_trim(void) { malloc_trim(0); }
