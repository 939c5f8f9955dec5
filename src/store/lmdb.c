/*
 * lmdb.c: the persistent store, a cr_storage on LMDB. One store directory is one LMDB
 * environment holding named maps ("state", "private", ...) and a "meta" map with the
 * format record. Writes happen in one write transaction per batch; every write of the
 * open batch is also kept in a log so the batch can be replayed after the map is grown
 * (MDB_MAP_FULL aborts a transaction) or to undo a nested batch.
 *
 * LMDB keys are 1..511 bytes; storage keys are 0..1 MiB. A key is stored as one 0x00
 * byte followed by the key when it has at most P bytes (P = maxkeysize - 33), else as
 * 0x00, its first P bytes and its sha256, with the whole key kept in front of the value.
 * The constant first byte keeps empty keys storable and keeps LMDB's byte-wise order
 * the order of the keys; long keys sharing their first P bytes sort by digest in LMDB and
 * are re-sorted by iterate (they form one contiguous run).
 */
#include "store.h"

#include <errno.h>
#include <lmdb.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FORMAT_KEY     "format"
#define FORMAT_VERSION 1u
#define MAX_DEPTH      8
#define MAX_NAME       64
#define ENC_MAX        511 /* the largest encoded key: 1 + P + 32 */
#define DIGEST_LEN     32
#define LONG_HDR       8 /* little-endian length of the whole key, before it and the value */
#define MAX_MAP_SIZE   ((uint64_t)1 << 40)

enum { LOG_PUT = 1, LOG_DEL = 2 };

/* One logged write: header, then key bytes, then value bytes, padded to 8. */
typedef struct log_rec {
    MDB_dbi dbi;
    uint32_t op;
    uint64_t key_len;
    uint64_t val_len;
} log_rec;

struct cr_lmdb {
    const cr_engine *eng;
    MDB_env *env;
    MDB_dbi meta;
    uint32_t flags;
    size_t prefix;     /* P: key bytes stored in the LMDB key */
    uint64_t map_size; /* current map size */
    MDB_txn *wtxn;     /* the open write transaction (depth > 0) */
    unsigned depth;    /* nesting of begin calls */
    size_t marks[MAX_DEPTH];
    MDB_txn *rtxn; /* a reset read transaction, renewed per read */
    uint8_t *log;  /* writes of the open batch */
    size_t log_len, log_cap;
    char *dir;
};

typedef struct lmdb_store {
    cr_storage iface;
    cr_lmdb *db;
    MDB_dbi dbi;
    bool have_dbi;
    char name[MAX_NAME + 1];
    uint8_t *buf; /* value copies handed to the caller */
    size_t buf_cap;
    uint8_t key[ENC_MAX]; /* the encoded key of the current call */
    size_t key_len;
    uint8_t *val; /* scratch for an encoded long-key value */
    size_t val_cap;
} lmdb_store;

/* ---- helpers ------------------------------------------------------------------------ */

static void *mem_realloc(const cr_lmdb *db, void *ptr, size_t old, size_t len)
{
    return cr__realloc(db ? db->eng : NULL, ptr, old, len);
}

static void mem_free(const cr_lmdb *db, void *ptr, size_t len)
{
    mem_realloc(db, ptr, len, 0);
}

__attribute__((format(printf, 3, 4))) static cr_status fail(cr_error *err, cr_status st,
                                                            const char *fmt, ...)
{
    if (err) {
        memset(err, 0, sizeof *err);
        err->st = st;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return st;
}

/* An LMDB return code as a status and message (MDB_MAP_FULL is handled before this). */
static cr_status fail_mdb(cr_error *err, const cr_lmdb *db, const char *what, int rc)
{
    cr_status st = rc == ENOMEM ? CR_ERR_NOMEM : rc == ENOENT ? CR_ERR_NOT_FOUND : CR_ERR_STORAGE;
    if (rc == EIO || rc == ENOSPC || rc == EACCES || rc == EROFS) st = CR_ERR_IO;
    return fail(err, st, "lmdb store %s: %s: %s", db ? db->dir : "", what, mdb_strerror(rc));
}

static bool grow_buf(const cr_lmdb *db, uint8_t **buf, size_t *cap, size_t need)
{
    if (need <= *cap) return true;
    size_t ncap = *cap ? *cap : 64;
    while (ncap < need)
        ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
    uint8_t *p = mem_realloc(db, *buf, *cap, ncap);
    if (!p) return false;
    *buf = p;
    *cap = ncap;
    return true;
}

static void put_u64le(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_u64le(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* Encodes key into s->key. Returns true when it is a long key. */
static bool encode_key(lmdb_store *s, const uint8_t *key, size_t key_len)
{
    size_t p = s->db->prefix;
    s->key[0] = 0;
    if (key_len <= p) {
        if (key_len) memcpy(s->key + 1, key, key_len);
        s->key_len = 1 + key_len;
        return false;
    }
    memcpy(s->key + 1, key, p);
    crypto_hash_sha256(s->key + 1 + p, key, key_len);
    s->key_len = 1 + p + DIGEST_LEN;
    return true;
}

static bool is_long(const cr_lmdb *db, size_t enc_len)
{
    return enc_len == 1 + db->prefix + DIGEST_LEN;
}

/* Splits a stored long-key value into the whole key and the value. */
static bool decode_long(const MDB_val *v, const uint8_t **key, size_t *key_len, const uint8_t **val,
                        size_t *val_len)
{
    if (v->mv_size < LONG_HDR) return false;
    const uint8_t *p = v->mv_data;
    uint64_t kl = get_u64le(p);
    if (kl > v->mv_size - LONG_HDR) return false;
    *key = p + LONG_HDR;
    *key_len = (size_t)kl;
    *val = p + LONG_HDR + kl;
    *val_len = v->mv_size - LONG_HDR - (size_t)kl;
    return true;
}

/* ---- transactions ------------------------------------------------------------------ */

/* Starts a read transaction in db->rtxn (renewing the reset one). */
static int read_begin(cr_lmdb *db)
{
    for (int tries = 0;; tries++) {
        int rc = db->rtxn ? mdb_txn_renew(db->rtxn)
                          : mdb_txn_begin(db->env, NULL, MDB_RDONLY, &db->rtxn);
        if (rc == MDB_MAP_RESIZED && tries == 0) {
            if (db->rtxn) {
                mdb_txn_abort(db->rtxn);
                db->rtxn = NULL;
            }
            mdb_env_set_mapsize(db->env, 0);
            continue;
        }
        return rc;
    }
}

static void read_end(cr_lmdb *db)
{
    if (db->rtxn) mdb_txn_reset(db->rtxn);
}

static int write_txn_begin(cr_lmdb *db)
{
    for (int tries = 0;; tries++) {
        int rc = mdb_txn_begin(db->env, NULL, 0, &db->wtxn);
        if (rc == MDB_MAP_RESIZED && tries == 0) {
            mdb_env_set_mapsize(db->env, 0);
            continue;
        }
        if (rc) db->wtxn = NULL;
        return rc;
    }
}

/* Applies the logged writes [0, end) to db->wtxn. */
static int log_replay(cr_lmdb *db, size_t end)
{
    size_t off = 0;
    while (off < end) {
        log_rec rec;
        memcpy(&rec, db->log + off, sizeof rec);
        MDB_val k = {(size_t)rec.key_len, db->log + off + sizeof rec};
        MDB_val v = {(size_t)rec.val_len, db->log + off + sizeof rec + rec.key_len};
        int rc = rec.op == LOG_PUT ? mdb_put(db->wtxn, rec.dbi, &k, &v, 0)
                                   : mdb_del(db->wtxn, rec.dbi, &k, NULL);
        if (rc && rc != MDB_NOTFOUND) return rc;
        off += (sizeof rec + rec.key_len + rec.val_len + 7) & ~(size_t)7;
    }
    return 0;
}

/* Aborts the write transaction and redoes the log up to end in a new one, growing the
   map first when grow is set (and again as long as the map stays full). */
static int txn_redo(cr_lmdb *db, size_t end, bool grow)
{
    for (;;) {
        if (db->wtxn) {
            mdb_txn_abort(db->wtxn);
            db->wtxn = NULL;
        }
        if (grow) {
            /* no transaction of this process may be active while the map is resized */
            if (db->rtxn) {
                mdb_txn_abort(db->rtxn);
                db->rtxn = NULL;
            }
            if (db->map_size >= MAX_MAP_SIZE) return MDB_MAP_FULL;
            int rc = mdb_env_set_mapsize(db->env, (size_t)(db->map_size * 2));
            if (rc) return rc;
            MDB_envinfo info;
            mdb_env_info(db->env, &info);
            db->map_size = info.me_mapsize;
        }
        int rc = write_txn_begin(db);
        if (rc) return rc;
        rc = log_replay(db, end);
        if (rc == MDB_MAP_FULL) {
            grow = true;
            continue;
        }
        return rc;
    }
}

/* Appends a write to the log and applies it to the open write transaction. */
static cr_status txn_write(cr_lmdb *db, MDB_dbi dbi, uint32_t op, const MDB_val *k,
                           const MDB_val *v, cr_error *err)
{
    size_t vlen = v ? v->mv_size : 0;
    size_t rec_len = (sizeof(log_rec) + k->mv_size + vlen + 7) & ~(size_t)7;
    if (!grow_buf(db, &db->log, &db->log_cap, db->log_len + rec_len))
        return fail(err, CR_ERR_NOMEM, "lmdb store %s: out of memory", db->dir);
    log_rec rec = {dbi, op, k->mv_size, vlen};
    uint8_t *p = db->log + db->log_len;
    memcpy(p, &rec, sizeof rec);
    memcpy(p + sizeof rec, k->mv_data, k->mv_size);
    if (vlen) memcpy(p + sizeof rec + k->mv_size, v->mv_data, vlen);
    db->log_len += rec_len;

    MDB_val kk = *k, vv = {vlen, v ? v->mv_data : NULL};
    int rc =
        op == LOG_PUT ? mdb_put(db->wtxn, dbi, &kk, &vv, 0) : mdb_del(db->wtxn, dbi, &kk, NULL);
    if (rc == MDB_NOTFOUND) rc = 0;
    if (rc == MDB_MAP_FULL) rc = txn_redo(db, db->log_len, true);
    if (rc) {
        /* the transaction may be unusable now: rebuild it without this write */
        db->log_len -= rec_len;
        int rc2 = txn_redo(db, db->log_len, false);
        if (rc2) {
            db->wtxn = NULL;
            db->depth = 0; /* nothing left to commit: later commits fail cleanly */
        }
        return fail_mdb(err, db, "write", rc);
    }
    return CR_OK;
}

static cr_status batch_begin(cr_lmdb *db, cr_error *err)
{
    if (db->flags & CR_LMDB_READONLY)
        return fail(err, CR_ERR_STORAGE, "lmdb store %s: opened read-only", db->dir);
    if (db->depth == MAX_DEPTH)
        return fail(err, CR_ERR_ARG, "lmdb store %s: batches nested too deeply", db->dir);
    if (db->depth == 0) {
        int rc = write_txn_begin(db);
        if (rc) return fail_mdb(err, db, "begin", rc);
        db->log_len = 0;
    }
    db->marks[db->depth++] = db->log_len;
    return CR_OK;
}

static cr_status batch_commit(cr_lmdb *db, cr_error *err)
{
    if (db->depth == 0)
        return fail(err, CR_ERR_ARG, "lmdb store %s: commit without begin", db->dir);
    if (--db->depth > 0) return CR_OK;
    if (!db->wtxn)
        return fail(err, CR_ERR_STORAGE, "lmdb store %s: batch was lost after a failure", db->dir);
    int rc = mdb_txn_commit(db->wtxn);
    db->wtxn = NULL;
    while (rc == MDB_MAP_FULL) {
        rc = txn_redo(db, db->log_len, true);
        if (rc == 0) {
            rc = mdb_txn_commit(db->wtxn);
            db->wtxn = NULL;
        }
    }
    if (db->wtxn) {
        mdb_txn_abort(db->wtxn);
        db->wtxn = NULL;
    }
    db->log_len = 0;
    if (rc) return fail_mdb(err, db, "commit", rc);
    return CR_OK;
}

static void batch_rollback(cr_lmdb *db)
{
    if (db->depth == 0) return;
    size_t mark = db->marks[--db->depth];
    if (db->depth == 0) {
        if (db->wtxn) mdb_txn_abort(db->wtxn);
        db->wtxn = NULL;
        db->log_len = 0;
        return;
    }
    if (mark == db->log_len) return;
    db->log_len = mark;
    if (txn_redo(db, mark, false)) {
        /* the outer batch cannot be rebuilt: drop it, its commit will fail */
        if (db->wtxn) mdb_txn_abort(db->wtxn);
        db->wtxn = NULL;
    }
}

/* ---- the storage interface --------------------------------------------------------- */

/* Opens the map's handle; with create, in a write transaction of its own. */
static cr_status store_open_dbi(lmdb_store *s, bool create, cr_error *err)
{
    cr_lmdb *db = s->db;
    if (s->have_dbi) return CR_OK;
    MDB_txn *txn;
    int rc = mdb_txn_begin(db->env, NULL, create ? 0 : MDB_RDONLY, &txn);
    if (rc == MDB_MAP_RESIZED) {
        mdb_env_set_mapsize(db->env, 0);
        rc = mdb_txn_begin(db->env, NULL, create ? 0 : MDB_RDONLY, &txn);
    }
    if (rc) return fail_mdb(err, db, "open map", rc);
    rc = mdb_dbi_open(txn, s->name, create ? MDB_CREATE : 0, &s->dbi);
    if (rc == MDB_NOTFOUND && !create) {
        mdb_txn_abort(txn);
        return CR_OK; /* no such map yet: empty */
    }
    if (rc) {
        mdb_txn_abort(txn);
        return fail_mdb(err, db, "open map", rc);
    }
    rc = mdb_txn_commit(txn);
    if (rc) return fail_mdb(err, db, "open map", rc);
    s->have_dbi = true;
    return CR_OK;
}

/* Looks up the encoded key in the current transaction; copies the value to s->buf. */
static cr_status store_lookup(lmdb_store *s, MDB_txn *txn, bool is_long_key, const uint8_t *key,
                              size_t key_len, const uint8_t **val, size_t *val_len, cr_error *err)
{
    *val = NULL;
    *val_len = 0;
    MDB_val k = {s->key_len, s->key}, v;
    int rc = mdb_get(txn, s->dbi, &k, &v);
    if (rc == MDB_NOTFOUND) return CR_OK;
    if (rc) return fail_mdb(err, s->db, "read", rc);
    const uint8_t *data = v.mv_data;
    size_t len = v.mv_size;
    if (is_long_key) {
        const uint8_t *fk;
        size_t fk_len;
        if (!decode_long(&v, &fk, &fk_len, &data, &len))
            return fail(err, CR_ERR_STORAGE, "lmdb store %s: damaged long-key record", s->db->dir);
        if (fk_len != key_len || memcmp(fk, key, key_len) != 0)
            return fail(err, CR_ERR_STORAGE, "lmdb store %s: long-key digest collision",
                        s->db->dir);
    }
    if (!grow_buf(s->db, &s->buf, &s->buf_cap, len ? len : 1))
        return fail(err, CR_ERR_NOMEM, "lmdb store %s: out of memory", s->db->dir);
    if (len) memcpy(s->buf, data, len);
    *val = s->buf;
    *val_len = len;
    return CR_OK;
}

static cr_status store_get(void *self, const uint8_t *key, size_t key_len, const uint8_t **val,
                           size_t *val_len, cr_error *err)
{
    lmdb_store *s = self;
    cr_lmdb *db = s->db;
    *val = NULL;
    *val_len = 0;
    if (!s->have_dbi) {
        cr_status st = store_open_dbi(s, false, err);
        if (st != CR_OK || !s->have_dbi) return st;
    }
    bool lk = encode_key(s, key, key_len);
    if (db->wtxn) return store_lookup(s, db->wtxn, lk, key, key_len, val, val_len, err);
    int rc = read_begin(db);
    if (rc) return fail_mdb(err, db, "read", rc);
    cr_status st = store_lookup(s, db->rtxn, lk, key, key_len, val, val_len, err);
    read_end(db);
    return st;
}

/* Writes (op LOG_PUT) or removes one key inside a batch, fetching the old value first
   when the caller wants it. */
static cr_status store_write(lmdb_store *s, uint32_t op, const uint8_t *key, size_t key_len,
                             const uint8_t *val, size_t val_len, const uint8_t **old,
                             size_t *old_len, cr_error *err)
{
    cr_lmdb *db = s->db;
    if (old) {
        *old = NULL;
        *old_len = 0;
    }
    if (db->flags & CR_LMDB_READONLY)
        return fail(err, CR_ERR_STORAGE, "lmdb store %s: opened read-only", db->dir);
    cr_status st = store_open_dbi(s, true, err);
    if (st != CR_OK) return st;
    bool auto_batch = db->depth == 0;
    if (auto_batch && (st = batch_begin(db, err)) != CR_OK) return st;
    if (!db->wtxn) {
        st = fail(err, CR_ERR_STORAGE, "lmdb store %s: batch was lost after a failure", db->dir);
        goto out;
    }
    bool lk = encode_key(s, key, key_len);
    if (old) {
        st = store_lookup(s, db->wtxn, lk, key, key_len, old, old_len, err);
        if (st != CR_OK) goto out;
    }
    MDB_val k = {s->key_len, s->key};
    MDB_val v = {val_len, (void *)val};
    if (op == LOG_PUT && lk) {
        size_t total = LONG_HDR + key_len + val_len;
        if (!grow_buf(db, &s->val, &s->val_cap, total)) {
            st = fail(err, CR_ERR_NOMEM, "lmdb store %s: out of memory", db->dir);
            goto out;
        }
        put_u64le(s->val, key_len);
        memcpy(s->val + LONG_HDR, key, key_len);
        if (val_len) memcpy(s->val + LONG_HDR + key_len, val, val_len);
        v.mv_size = total;
        v.mv_data = s->val;
    }
    st = txn_write(db, s->dbi, op, &k, op == LOG_PUT ? &v : NULL, err);
out:
    if (auto_batch) {
        if (st == CR_OK) return batch_commit(db, err);
        batch_rollback(db);
    }
    return st;
}

static cr_status store_set(void *self, const uint8_t *key, size_t key_len, const uint8_t *val,
                           size_t val_len, const uint8_t **old, size_t *old_len, cr_error *err)
{
    return store_write(self, LOG_PUT, key, key_len, val ? val : (const uint8_t *)"", val_len, old,
                       old_len, err);
}

static cr_status store_remove(void *self, const uint8_t *key, size_t key_len, const uint8_t **old,
                              size_t *old_len, cr_error *err)
{
    return store_write(self, LOG_DEL, key, key_len, NULL, 0, old, old_len, err);
}

typedef struct kv_ref {
    const uint8_t *key;
    size_t key_len;
    const uint8_t *val;
    size_t val_len;
} kv_ref;

static int kv_ref_cmp(const void *a, const void *b)
{
    const kv_ref *x = a, *y = b;
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = n ? memcmp(x->key, y->key, n) : 0;
    if (c) return c;
    return (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

/* Visits the sorted run of long keys; returns non-zero when the visitor stopped. */
static int visit_run(kv_ref *run, size_t count, cr_storage_visit_fn fn, void *ud)
{
    qsort(run, count, sizeof *run, kv_ref_cmp);
    for (size_t i = 0; i < count; i++)
        if (fn(ud, run[i].key, run[i].key_len, run[i].val, run[i].val_len)) return 1;
    return 0;
}

static cr_status store_iterate_txn(lmdb_store *s, MDB_txn *txn, cr_storage_visit_fn fn, void *ud,
                                   cr_error *err)
{
    cr_lmdb *db = s->db;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, s->dbi, &cur);
    if (rc) return fail_mdb(err, db, "iterate", rc);
    cr_status st = CR_OK;
    kv_ref *run = NULL;
    size_t run_count = 0, run_cap = 0;
    const uint8_t *run_prefix = NULL;
    MDB_val k, v;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        const uint8_t *kp = k.mv_data;
        if (k.mv_size < 1 || kp[0] != 0) {
            st = fail(err, CR_ERR_STORAGE, "lmdb store %s: damaged key", db->dir);
            goto out;
        }
        bool lk = is_long(db, k.mv_size);
        if (run_count && (!lk || memcmp(run_prefix, kp + 1, db->prefix) != 0)) {
            if (visit_run(run, run_count, fn, ud)) goto out;
            run_count = 0;
        }
        if (!lk) {
            if (fn(ud, kp + 1, k.mv_size - 1, v.mv_data, v.mv_size)) goto out;
            continue;
        }
        kv_ref r;
        if (!decode_long(&v, &r.key, &r.key_len, &r.val, &r.val_len)) {
            st = fail(err, CR_ERR_STORAGE, "lmdb store %s: damaged long-key record", db->dir);
            goto out;
        }
        if (run_count == run_cap) {
            size_t ncap = run_cap ? run_cap * 2 : 8;
            kv_ref *p = mem_realloc(db, run, run_cap * sizeof *run, ncap * sizeof *run);
            if (!p) {
                st = fail(err, CR_ERR_NOMEM, "lmdb store %s: out of memory", db->dir);
                goto out;
            }
            run = p;
            run_cap = ncap;
        }
        run[run_count++] = r;
        run_prefix = kp + 1;
    }
    if (rc != MDB_NOTFOUND) {
        st = fail_mdb(err, db, "iterate", rc);
        goto out;
    }
    if (run_count) visit_run(run, run_count, fn, ud);
out:
    mem_free(db, run, run_cap * sizeof *run);
    mdb_cursor_close(cur);
    return st;
}

static cr_status store_iterate(void *self, cr_storage_visit_fn fn, void *ud, cr_error *err)
{
    lmdb_store *s = self;
    cr_lmdb *db = s->db;
    if (!s->have_dbi) {
        cr_status st = store_open_dbi(s, false, err);
        if (st != CR_OK || !s->have_dbi) return st;
    }
    if (db->wtxn) return store_iterate_txn(s, db->wtxn, fn, ud, err);
    /* a transaction of its own, so the visitor may read through this store */
    MDB_txn *txn;
    int rc = mdb_txn_begin(db->env, NULL, MDB_RDONLY, &txn);
    if (rc == MDB_MAP_RESIZED) {
        mdb_env_set_mapsize(db->env, 0);
        rc = mdb_txn_begin(db->env, NULL, MDB_RDONLY, &txn);
    }
    if (rc) return fail_mdb(err, db, "iterate", rc);
    cr_status st = store_iterate_txn(s, txn, fn, ud, err);
    mdb_txn_abort(txn);
    return st;
}

static cr_status store_begin(void *self, cr_error *err)
{
    lmdb_store *s = self;
    cr_status st = store_open_dbi(s, true, err);
    if (st != CR_OK) return st;
    return batch_begin(s->db, err);
}

static cr_status store_commit(void *self, cr_error *err)
{
    lmdb_store *s = self;
    return batch_commit(s->db, err);
}

static void store_rollback(void *self)
{
    lmdb_store *s = self;
    batch_rollback(s->db);
}

static void store_destroy(void *self)
{
    lmdb_store *s = self;
    cr_lmdb *db = s->db;
    mem_free(db, s->buf, s->buf_cap);
    mem_free(db, s->val, s->val_cap);
    mem_free(db, s, sizeof *s);
}

static const cr_storage_ops lmdb_ops = {
    .get = store_get,
    .set = store_set,
    .remove = store_remove,
    .iterate = store_iterate,
    .begin = store_begin,
    .commit = store_commit,
    .rollback = store_rollback,
    .destroy = store_destroy,
};

/* ---- the store --------------------------------------------------------------------- */

cr_lmdb_config cr_lmdb_config_default(void)
{
    cr_lmdb_config cfg = {0, (uint64_t)64 << 20};
    return cfg;
}

/* Reads or (when writable and absent) writes the format record: version and P. */
static cr_status check_format(cr_lmdb *db, cr_error *err)
{
    bool ro = db->flags & CR_LMDB_READONLY;
    MDB_txn *txn;
    int rc = mdb_txn_begin(db->env, NULL, ro ? MDB_RDONLY : 0, &txn);
    if (rc) return fail_mdb(err, db, "open", rc);
    rc = mdb_dbi_open(txn, "meta", ro ? 0 : MDB_CREATE, &db->meta);
    if (rc == MDB_NOTFOUND && ro) {
        mdb_txn_abort(txn);
        return CR_OK; /* an empty store written by nobody yet */
    }
    if (rc) {
        mdb_txn_abort(txn);
        return fail_mdb(err, db, "open", rc);
    }
    uint8_t rec[16];
    put_u64le(rec, FORMAT_VERSION);
    put_u64le(rec + 8, db->prefix);
    MDB_val k = {sizeof FORMAT_KEY - 1, FORMAT_KEY}, v;
    rc = mdb_get(txn, db->meta, &k, &v);
    if (rc == MDB_NOTFOUND && !ro) {
        v.mv_size = sizeof rec;
        v.mv_data = rec;
        rc = mdb_put(txn, db->meta, &k, &v, 0);
        if (rc == 0)
            rc = mdb_txn_commit(txn);
        else
            mdb_txn_abort(txn);
        return rc ? fail_mdb(err, db, "open", rc) : CR_OK;
    }
    if (rc) {
        mdb_txn_abort(txn);
        return rc == MDB_NOTFOUND ? CR_OK : fail_mdb(err, db, "open", rc);
    }
    bool same = v.mv_size == sizeof rec && memcmp(v.mv_data, rec, sizeof rec) == 0;
    mdb_txn_abort(txn);
    if (!same)
        return fail(err, CR_ERR_STORAGE, "lmdb store %s: written by an incompatible version",
                    db->dir);
    return CR_OK;
}

cr_status cr_lmdb_open(const cr_engine *eng, const char *dir, const cr_lmdb_config *cfg,
                       cr_lmdb **out, cr_error *err)
{
    cr_lmdb_config def = cr_lmdb_config_default();
    if (!out || !dir || !*dir) return fail(err, CR_ERR_ARG, "lmdb store: no directory given");
    *out = NULL;
    if (!cfg) cfg = &def;
    if (sodium_init() < 0)
        return fail(err, CR_ERR_STORAGE, "lmdb store %s: libsodium failed to start", dir);
    bool ro = cfg->flags & CR_LMDB_READONLY;
    struct stat sb;
    if (stat(dir, &sb) != 0) {
        if (errno != ENOENT || ro)
            return fail(err, errno == ENOENT ? CR_ERR_NOT_FOUND : CR_ERR_IO, "lmdb store %s: %s",
                        dir, strerror(errno));
        if (mkdir(dir, 0700) != 0 && errno != EEXIST)
            return fail(err, CR_ERR_IO, "lmdb store %s: cannot create: %s", dir, strerror(errno));
    } else if (!S_ISDIR(sb.st_mode)) {
        return fail(err, CR_ERR_ARG, "lmdb store %s: not a directory", dir);
    }
    if (ro) {
        char path[4096];
        snprintf(path, sizeof path, "%s/data.mdb", dir);
        if (stat(path, &sb) != 0)
            return fail(err, CR_ERR_NOT_FOUND, "lmdb store %s: no store in this directory", dir);
    }

    cr_lmdb *db = cr__realloc(eng, NULL, 0, sizeof *db);
    if (!db) return fail(err, CR_ERR_NOMEM, "lmdb store %s: out of memory", dir);
    memset(db, 0, sizeof *db);
    db->eng = eng;
    db->flags = cfg->flags;
    size_t dlen = strlen(dir) + 1;
    cr_status st;
    db->dir = mem_realloc(db, NULL, 0, dlen);
    if (!db->dir) {
        st = fail(err, CR_ERR_NOMEM, "lmdb store %s: out of memory", dir);
        goto fail;
    }
    memcpy(db->dir, dir, dlen);
    int rc = mdb_env_create(&db->env);
    if (rc) {
        st = fail_mdb(err, db, "create", rc);
        goto fail;
    }
    uint64_t map = cfg->map_size ? cfg->map_size : def.map_size;
    if (map > MAX_MAP_SIZE) map = MAX_MAP_SIZE;
    mdb_env_set_maxdbs(db->env, 16);
    mdb_env_set_mapsize(db->env, (size_t)map);
    unsigned flags =
        MDB_NOTLS | (ro ? MDB_RDONLY : 0) | (cfg->flags & CR_LMDB_NOSYNC ? MDB_NOSYNC : 0);
    rc = mdb_env_open(db->env, dir, flags, 0600);
    if (rc) {
        st = fail_mdb(err, db, "open", rc);
        goto fail;
    }
    MDB_envinfo info;
    mdb_env_info(db->env, &info);
    db->map_size = info.me_mapsize;
    int maxkey = mdb_env_get_maxkeysize(db->env);
    if (maxkey < ENC_MAX) {
        st = fail(err, CR_ERR_STORAGE, "lmdb store %s: lmdb built with %d-byte keys, needs %d", dir,
                  maxkey, ENC_MAX);
        goto fail;
    }
    db->prefix = ENC_MAX - 1 - DIGEST_LEN;
    st = check_format(db, err);
    if (st != CR_OK) goto fail;
    *out = db;
    return CR_OK;
fail:
    cr_lmdb_close(db);
    return st;
}

void cr_lmdb_close(cr_lmdb *db)
{
    if (!db) return;
    if (db->wtxn) mdb_txn_abort(db->wtxn);
    if (db->rtxn) mdb_txn_abort(db->rtxn);
    if (db->env) mdb_env_close(db->env);
    mem_free(db, db->log, db->log_cap);
    if (db->dir) mem_free(db, db->dir, strlen(db->dir) + 1);
    mem_free(db, db, sizeof *db);
}

cr_status cr_lmdb_storage_open(cr_lmdb *db, const char *name, cr_storage **out, cr_error *err)
{
    if (!out || !db || !name) return fail(err, CR_ERR_ARG, "lmdb store: missing argument");
    *out = NULL;
    size_t n = strlen(name);
    if (n == 0 || n > MAX_NAME || strcmp(name, "meta") == 0)
        return fail(err, CR_ERR_ARG, "lmdb store %s: bad map name '%s'", db->dir, name);
    if (db->depth)
        return fail(err, CR_ERR_ARG, "lmdb store %s: cannot open a map inside a batch", db->dir);
    lmdb_store *s = mem_realloc(db, NULL, 0, sizeof *s);
    if (!s) return fail(err, CR_ERR_NOMEM, "lmdb store %s: out of memory", db->dir);
    memset(s, 0, sizeof *s);
    s->db = db;
    memcpy(s->name, name, n + 1);
    s->iface.ops = &lmdb_ops;
    s->iface.self = s;
    cr_status st = store_open_dbi(s, !(db->flags & CR_LMDB_READONLY), err);
    if (st != CR_OK) {
        store_destroy(s);
        return st;
    }
    *out = &s->iface;
    return CR_OK;
}

cr_status cr_lmdb_begin(cr_lmdb *db, cr_error *err)
{
    if (!db) return fail(err, CR_ERR_ARG, "lmdb store: missing argument");
    return batch_begin(db, err);
}

cr_status cr_lmdb_commit(cr_lmdb *db, cr_error *err)
{
    if (!db) return fail(err, CR_ERR_ARG, "lmdb store: missing argument");
    return batch_commit(db, err);
}

void cr_lmdb_rollback(cr_lmdb *db)
{
    if (db) batch_rollback(db);
}
