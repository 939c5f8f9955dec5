/*
 * context.c: context management (host-abi.md §2.8). Creations, deletions and member
 * changes are requests recorded in the outcome for the node; membership queries go to
 * the optional context hooks, alias checks to the optional node hooks.
 */
#include "logic.h"

#include <string.h>

enum { MAX_ALIAS_LEN = 50 };

static cr__mutation_rec *push_mutation(cr_logic *vl, cr_mutation_kind kind, const uint8_t id[32])
{
    cr_outcome *o = vl->out;
    void *m = o->mutations;
    if (!cr__grow(vl->eng, &m, &o->mutation_cap, o->mutation_count + 1, sizeof *o->mutations)) {
        cr__logic_fatal(vl, CR_ERR_NOMEM, "out of memory");
        return NULL;
    }
    o->mutations = m;
    cr__mutation_rec *r = &o->mutations[o->mutation_count++];
    memset(r, 0, sizeof *r);
    r->kind = kind;
    memcpy(r->id, id, 32);
    return r;
}

/* A descriptor at ptr holding exactly 32 bytes (ids, public keys). */
static cr_status read_id(cr_logic *vl, uint64_t ptr, const uint8_t **id)
{
    cr__desc d;
    cr_status st = cr__gm_desc(vl, ptr, &d);
    if (st == CR_OK) st = cr__gm_fixed(vl, &d, 32, id);
    return st;
}

/*
 * context_create(protocol, application_id, init_args, alias): protocol text, 32-byte
 * application id, args bytes, optional alias (pointer 0 or an empty descriptor: none);
 * with a node client, an alias over 50 bytes fails AliasTooLong and an alias already
 * stored for the current context fails AliasAlreadyExists (lookup errors ignored).
 */
cr_status cr__host_context_create(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    (void)ret;
    cr__desc dp, da, dg, dl = {0, 0};
    const char *protocol, *alias = NULL;
    const uint8_t *app_id, *init_args;
    cr_status st = cr__gm_desc(vl, args[0], &dp);
    if (st == CR_OK) st = cr__gm_str(vl, &dp, &protocol);
    if (st == CR_OK) st = cr__gm_desc(vl, args[1], &da);
    if (st == CR_OK) st = cr__gm_fixed(vl, &da, 32, &app_id);
    if (st == CR_OK) st = cr__gm_desc(vl, args[2], &dg);
    if (st == CR_OK) st = cr__gm_bytes(vl, &dg, &init_args);
    if (st == CR_OK && args[3] != 0) {
        st = cr__gm_desc(vl, args[3], &dl);
        if (st == CR_OK && dl.len != 0) st = cr__gm_str(vl, &dl, &alias);
    }
    if (st != CR_OK) return st;
    const cr_node_hooks *nh = vl->p->node;
    if (alias && nh) {
        if (dl.len > MAX_ALIAS_LEN) return cr__host_fail_num(vl, CR_HOST_ALIAS_TOO_LONG, dl.len, 0);
        if (nh->alias_lookup) {
            bool found = false;
            uint8_t key[32];
            if (nh->alias_lookup(nh->ud, alias, (size_t)dl.len, vl->p->context_id, &found, key) ==
                    CR_OK &&
                found)
                return cr__host_fail_str(vl, CR_HOST_ALIAS_ALREADY_EXISTS, alias, (size_t)dl.len);
        }
    }
    cr__mutation_rec *r = push_mutation(vl, CR_MUTATION_CREATE_CONTEXT, app_id);
    if (!r || cr__out_text(vl, &r->protocol, protocol, (size_t)dp.len) != CR_OK)
        return CR_ERR_NOMEM;
    r->init_args = cr__out_dup(vl, init_args, (size_t)dg.len);
    if (!r->init_args) return CR_ERR_NOMEM;
    r->init_args_len = (size_t)dg.len;
    if (alias && cr__out_text(vl, &r->alias, alias, (size_t)dl.len) != CR_OK) return CR_ERR_NOMEM;
    return CR_OK;
}

static cr_status id_mutation(cr_logic *vl, uint64_t ptr, cr_mutation_kind kind)
{
    const uint8_t *id;
    cr_status st = read_id(vl, ptr, &id);
    if (st != CR_OK) return st;
    return push_mutation(vl, kind, id) ? CR_OK : CR_ERR_NOMEM;
}

cr_status cr__host_context_delete(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    (void)ret;
    return id_mutation(vl, args[0], CR_MUTATION_DELETE_CONTEXT);
}

cr_status cr__host_context_add_member(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    (void)ret;
    return id_mutation(vl, args[0], CR_MUTATION_ADD_MEMBER);
}

cr_status cr__host_context_remove_member(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    (void)ret;
    return id_mutation(vl, args[0], CR_MUTATION_REMOVE_MEMBER);
}

/* context_is_member(pk): 1/0 from the context hooks; 0 without them. */
cr_status cr__host_context_is_member(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    const uint8_t *pk;
    cr_status st = read_id(vl, args[0], &pk);
    if (st != CR_OK) return st;
    const cr_context_hooks *ch = vl->p->context;
    uint8_t key[32];
    memcpy(key, pk, 32);
    *ret = ch && ch->is_member && ch->is_member(ch->ud, key) ? 1 : 0;
    return CR_OK;
}

/* context_members(reg): borsh Vec<[u8; 32]> of the members (empty without hooks). */
cr_status cr__host_context_members(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    (void)ret;
    const cr_context_hooks *ch = vl->p->context;
    size_t count = 0, cap = 0;
    uint8_t(*members)[32] = NULL;
    if (ch && ch->members) {
        for (;;) {
            count = ch->members(ch->ud, members, cap);
            if (count <= cap) break;
            cr__free(vl->eng, members, cap * 32);
            if (count > (SIZE_MAX - 4) / 32 || count > UINT32_MAX)
                return cr__host_fail(vl, CR_HOST_SERIALIZATION_ERROR);
            cap = count;
            members = cr__alloc(vl->eng, cap * 32);
            if (!members) return cr__logic_fatal(vl, CR_ERR_NOMEM, "out of memory");
        }
    }
    size_t len = 4 + count * 32;
    uint8_t *buf = cr__alloc(vl->eng, len);
    if (!buf) {
        cr__free(vl->eng, members, cap * 32);
        return cr__logic_fatal(vl, CR_ERR_NOMEM, "out of memory");
    }
    buf[0] = (uint8_t)count;
    buf[1] = (uint8_t)(count >> 8);
    buf[2] = (uint8_t)(count >> 16);
    buf[3] = (uint8_t)(count >> 24);
    if (count) memcpy(buf + 4, members, count * 32);
    cr_status st = cr__reg_set(vl, args[0], buf, len);
    cr__free(vl->eng, buf, len);
    cr__free(vl->eng, members, cap * 32);
    return st;
}

/*
 * context_resolve_alias(alias, reg): alias text; no node client fails
 * NodeClientNotAvailable; over 50 bytes AliasTooLong; found: the 32-byte key in reg,
 * 1; not found 0; a lookup error fails InvalidMemoryAccess.
 */
cr_status cr__host_context_resolve_alias(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    cr__desc d;
    const char *alias;
    cr_status st = cr__gm_desc(vl, args[0], &d);
    if (st == CR_OK) st = cr__gm_str(vl, &d, &alias);
    if (st != CR_OK) return st;
    const cr_node_hooks *nh = vl->p->node;
    if (!nh) return cr__host_fail(vl, CR_HOST_NODE_CLIENT_NOT_AVAILABLE);
    if (d.len > MAX_ALIAS_LEN) return cr__host_fail_num(vl, CR_HOST_ALIAS_TOO_LONG, d.len, 0);
    bool found = false;
    uint8_t key[32];
    if (nh->alias_resolve &&
        nh->alias_resolve(nh->ud, alias, (size_t)d.len, vl->p->context_id, &found, key) != CR_OK)
        return cr__host_fail(vl, CR_HOST_INVALID_MEMORY_ACCESS);
    if (!found) {
        *ret = 0;
        return CR_OK;
    }
    st = cr__reg_set(vl, args[1], key, 32);
    if (st != CR_OK) return st;
    *ret = 1;
    return CR_OK;
}
