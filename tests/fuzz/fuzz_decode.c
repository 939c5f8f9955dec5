/*
 * fuzz_decode.c: libFuzzer target for the engine's front end. Arbitrary bytes go
 * through decode, validation and compilation; an accepted module is then walked through
 * every query the API offers. Nothing may crash, leak or read out of bounds.
 */
#include "wasm.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wa_config cfg = wa_config_default();
    wa_module *m = NULL;
    wa_error err;
    if (wa_module_create(&cfg, data, size, &m, &err) != WA_OK) return 0;
    wa_module_info info;
    wa_module_info_get(m, &info);
    uint32_t n = wa_module_import_count(m);
    for (uint32_t i = 0; i < n; i++) {
        wa_extern_desc d;
        wa_module_import(m, i, &d);
    }
    n = wa_module_export_count(m);
    for (uint32_t i = 0; i < n; i++) {
        wa_extern_desc d;
        wa_module_export(m, i, &d);
    }
    const char *name;
    uint32_t name_len;
    const uint8_t *bytes;
    size_t len;
    for (uint32_t i = 0; wa_module_custom(m, i, &name, &name_len, &bytes, &len); i++)
        ;
    wa_module_destroy(m);
    return 0;
}
