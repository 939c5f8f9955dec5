/*
 * module.c: compiling an app (runtime-model.md §2): the module-size check, the engine's
 * decode/validate/compile, and the per-module work done once so that runs stay cheap:
 * every import is resolved against the host-function table here.
 */
#include "logic.h"

#include <stdio.h>
#include <string.h>

/* Fills err with prefix + detail (truncated to the message buffer). */
cr_status cr__module_fail(cr_error *err, cr_status st, const char *prefix, const char *detail)
{
    if (err) {
        memset(err, 0, sizeof *err);
        err->st = st;
        size_t k = 0, cap = sizeof err->message - 1;
        for (const char *s = prefix; *s && k < cap; s++)
            err->message[k++] = *s;
        for (const char *s = detail; s && *s && k < cap; s++)
            err->message[k++] = *s;
        err->message[k] = 0;
    }
    return st;
}

/* Resolves every import once; the first unbindable import is kept as the link error. */
static cr_status link_imports(cr_module *m)
{
    m->import_count = wa_module_import_count(m->wm);
    if (m->import_count == 0) return CR_OK;
    m->import_ids = cr__alloc(m->eng, m->import_count * sizeof *m->import_ids);
    if (!m->import_ids) return CR_ERR_NOMEM;
    for (uint32_t i = 0; i < m->import_count; i++) {
        wa_extern_desc d;
        wa_module_import(m->wm, i, &d);
        m->import_ids[i] = cr__import_resolve(&d, m->link_message, sizeof m->link_message);
        if (m->import_ids[i] == CR__NO_IMPORT) {
            m->link_failed = true;
            break;
        }
    }
    return CR_OK;
}

cr_status cr__module_wrap(const cr_engine *eng, wa_module *wm, cr_module **out, cr_error *err)
{
    cr_module *m = cr__alloc(eng, sizeof *m);
    if (!m) {
        wa_module_destroy(wm);
        return cr__module_fail(err, CR_ERR_NOMEM, "out of memory", NULL);
    }
    memset(m, 0, sizeof *m);
    m->eng = eng;
    m->wm = wm;
    if (link_imports(m) != CR_OK) {
        cr_module_destroy(m);
        return cr__module_fail(err, CR_ERR_NOMEM, "out of memory", NULL);
    }
    *out = m;
    return CR_OK;
}

CR_API cr_status cr_module_compile(const cr_engine *eng, const uint8_t *bytes, size_t len,
                                   cr_module **out, cr_error *err)
{
    if (!eng || !out || (!bytes && len))
        return cr__module_fail(err, CR_ERR_ARG, "invalid argument", NULL);
    *out = NULL;
    uint64_t max = eng->cfg.limits.max_module_size;
    if ((uint64_t)len > max) {
        if (err) {
            memset(err, 0, sizeof *err);
            err->st = CR_ERR_MODULE_SIZE;
            err->size = len;
            err->max = max;
            snprintf(err->message, sizeof err->message,
                     "module size limit (max_module_size) exceeded: %llu bytes > %llu bytes limit",
                     (unsigned long long)len, (unsigned long long)max);
        }
        return CR_ERR_MODULE_SIZE;
    }
    wa_module *wm = NULL;
    wa_error werr;
    memset(&werr, 0, sizeof werr);
    static const uint8_t empty[1] = {0};
    wa_status ws = wa_module_create(&eng->wcfg, bytes ? bytes : empty, len, &wm, &werr);
    if (ws == WA_ERR_NOMEM) return cr__module_fail(err, CR_ERR_NOMEM, "out of memory", NULL);
    if (ws != WA_OK)
        return cr__module_fail(err, CR_ERR_COMPILE, "compilation error: ",
                               werr.message[0] ? werr.message : wa_status_str(ws));
    return cr__module_wrap(eng, wm, out, err);
}

CR_API void cr_module_destroy(cr_module *m)
{
    if (!m) return;
    const cr_engine *eng = m->eng;
    wa_module_destroy(m->wm);
    cr__free(eng, m->import_ids, m->import_count * sizeof *m->import_ids);
    cr__free(eng, m, sizeof *m);
}

CR_API const cr_engine *cr_module_engine(const cr_module *m)
{
    return m ? m->eng : NULL;
}
