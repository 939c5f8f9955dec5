/*
 * image.c: precompiled images (runtime-model.md §2.3): the engine's serialized module
 * behind the runtime's own header, checked on load so that a foreign, stale or damaged
 * image is refused rather than trusted.
 */
#include "logic.h"

#include <string.h>

/*
 * Image: "CRIMG\0" magic, a format version byte, a reserved byte, the limits that
 * shape compilation (max_memory_pages, u32 LE) and a metering flag, then the engine's
 * serialized module. The engine checks its own part.
 */
static const uint8_t image_magic[6] = {'C', 'R', 'I', 'M', 'G', 0};
enum { IMAGE_VERSION = 1, IMAGE_HEADER = 6 + 2 + 4 + 4 };

CR_API cr_status cr_module_to_image(const cr_module *m, uint8_t **out, size_t *len, cr_error *err)
{
    if (!m || !out || !len) return cr__module_fail(err, CR_ERR_ARG, "invalid argument", NULL);
    uint8_t *body = NULL;
    size_t body_len = 0;
    wa_error werr;
    memset(&werr, 0, sizeof werr);
    wa_status ws = wa_module_serialize(m->wm, &body, &body_len, &werr);
    if (ws == WA_ERR_NOMEM) return cr__module_fail(err, CR_ERR_NOMEM, "out of memory", NULL);
    if (ws != WA_OK)
        return cr__module_fail(err, CR_ERR_UNSUPPORTED, "cannot serialize module: ", werr.message);
    size_t total = IMAGE_HEADER + body_len;
    uint8_t *img = cr__alloc(m->eng, total);
    if (!img) {
        cr__realloc(m->eng, body, body_len, 0);
        return cr__module_fail(err, CR_ERR_NOMEM, "out of memory", NULL);
    }
    memcpy(img, image_magic, 6);
    img[6] = IMAGE_VERSION;
    img[7] = 0;
    uint32_t pages = m->eng->cfg.limits.max_memory_pages;
    for (int i = 0; i < 4; i++)
        img[8 + i] = (uint8_t)(pages >> (8 * i));
    img[12] = m->eng->wcfg.metering ? 1 : 0;
    img[13] = img[14] = img[15] = 0;
    memcpy(img + IMAGE_HEADER, body, body_len);
    /* the engine allocates the body with the same allocator (the engine's wa_config) */
    cr__realloc(m->eng, body, body_len, 0);
    *out = img;
    *len = total;
    return CR_OK;
}

CR_API cr_status cr_module_from_image(const cr_engine *eng, const uint8_t *bytes, size_t len,
                                      cr_module **out, cr_error *err)
{
    if (!eng || !out || (!bytes && len))
        return cr__module_fail(err, CR_ERR_ARG, "invalid argument", NULL);
    *out = NULL;
    if (len < IMAGE_HEADER || memcmp(bytes, image_magic, 6) != 0)
        return cr__module_fail(err, CR_ERR_IMAGE,
                               "bad precompiled image: not a calimero-runtime image", NULL);
    if (bytes[6] != IMAGE_VERSION)
        return cr__module_fail(err, CR_ERR_IMAGE,
                               "bad precompiled image: unsupported image version", NULL);
    uint32_t pages = cr__le32(bytes + 8);
    if (pages != eng->cfg.limits.max_memory_pages || bytes[12] != (eng->wcfg.metering ? 1 : 0))
        return cr__module_fail(err, CR_ERR_IMAGE,
                               "bad precompiled image: made with different engine limits", NULL);
    wa_module *wm = NULL;
    wa_error werr;
    memset(&werr, 0, sizeof werr);
    wa_status ws =
        wa_module_deserialize(&eng->wcfg, bytes + IMAGE_HEADER, len - IMAGE_HEADER, &wm, &werr);
    if (ws == WA_ERR_NOMEM) return cr__module_fail(err, CR_ERR_NOMEM, "out of memory", NULL);
    if (ws != WA_OK)
        return cr__module_fail(err, CR_ERR_IMAGE, werr.message, NULL); /* already prefixed */
    return cr__module_wrap(eng, wm, out, err);
}
