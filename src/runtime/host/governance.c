/*
 * governance.c: proposals and approvals (host-abi.md §2.7). Both only record requests
 * in the outcome; the node acts on them.
 */
#include "logic.h"

#include <stdio.h>
#include <string.h>

/*
 * send_proposal(actions, dest): both descriptors, the actions bytes, a writable view of
 * dest, then a fresh random 32-byte id. Upstream panics in the host when dest is not 32
 * bytes long (an exact-length copy after the bounds check); the same Panic{Host} is
 * reported here.
 */
cr_status cr__host_send_proposal(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    (void)ret;
    cr__desc a, d;
    const uint8_t *actions;
    uint8_t *dst;
    cr_status st = cr__gm_desc(vl, args[0], &a);
    if (st == CR_OK) st = cr__gm_desc(vl, args[1], &d);
    if (st == CR_OK) st = cr__gm_bytes(vl, &a, &actions);
    if (st == CR_OK) st = cr__gm_out(vl, &d, &dst);
    if (st != CR_OK) return st;
    uint8_t id[32];
    cr__random(vl, id, sizeof id);
    if (d.len != 32) {
        char msg[128];
        int n = snprintf(msg, sizeof msg,
                         "source slice length (32) does not match destination slice length (%llu)",
                         (unsigned long long)d.len);
        return cr__host_panic_record(vl, true, msg, (size_t)n, NULL, 0, 0, 0);
    }
    memcpy(dst, id, 32);
    uint8_t *copy = cr__out_dup(vl, actions, (size_t)a.len);
    if (!copy) return CR_ERR_NOMEM;
    /* the outcome keeps proposals sorted by id (upstream's BTreeMap); a repeated id
       replaces the earlier actions */
    cr_outcome *o = vl->out;
    size_t lo = 0, hi = o->proposal_count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = memcmp(o->proposals[mid].id, id, 32);
        if (c == 0) {
            o->proposals[mid].actions = copy;
            o->proposals[mid].actions_len = (size_t)a.len;
            return CR_OK;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    void *props = o->proposals;
    if (!cr__grow(vl->eng, &props, &o->proposal_cap, o->proposal_count + 1, sizeof *o->proposals))
        return cr__logic_fatal(vl, CR_ERR_NOMEM, "out of memory");
    o->proposals = props;
    memmove(&o->proposals[lo + 1], &o->proposals[lo],
            (o->proposal_count - lo) * sizeof *o->proposals);
    memcpy(o->proposals[lo].id, id, 32);
    o->proposals[lo].actions = copy;
    o->proposals[lo].actions_len = (size_t)a.len;
    o->proposal_count++;
    return CR_OK;
}

/* approve_proposal(id): descriptor and fixed32; appended in order, duplicates kept. */
cr_status cr__host_approve_proposal(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    (void)ret;
    cr__desc d;
    const uint8_t *id;
    cr_status st = cr__gm_desc(vl, args[0], &d);
    if (st == CR_OK) st = cr__gm_fixed(vl, &d, 32, &id);
    if (st != CR_OK) return st;
    cr_outcome *o = vl->out;
    void *ap = o->approvals;
    if (!cr__grow(vl->eng, &ap, &o->approval_cap, o->approval_count + 1, sizeof *o->approvals))
        return cr__logic_fatal(vl, CR_ERR_NOMEM, "out of memory");
    o->approvals = ap;
    memcpy(o->approvals[o->approval_count++], id, 32);
    return CR_OK;
}
