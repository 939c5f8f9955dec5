#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_host (tests/fuzz/corpus/fuzz_host/): call sequences that
reach each host function's deeper paths with well-formed descriptors, plus edge pointers.
The input format is described in fuzz_host.c. Usage: fuzz_host_seeds.py [OUT_DIR]"""
import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEF = os.path.join(HERE, "..", "..", "src", "runtime", "imports.def")
IMPORTS = [m.group(1) for m in re.finditer(r'^CR_IMPORT\((\w+),', open(DEF).read(), re.M)]
F_PRIVATE, F_TWO_PAGES, F_TINY, F_HOOKS, F_MERGE, F_TRACE, F_ALLOC_FAIL, F_INPUT = (
    1, 2, 4, 8, 16, 32, 64, 128)

# guest memory: descriptors and structs below 1024 (8-aligned, kind 1 reaches k * 8),
# payloads above
mem = bytearray(1600)


def put(at, b):
    mem[at:at + len(b)] = b


def desc(at, ptr, n):
    put(at, struct.pack("<QQ", ptr, n))


for at, data in [(1024, b"key"), (1040, b"value"), (1056, b"\x33" * 32), (1088, b"\x44" * 64),
                 (1152, b"hello"), (1168, b"src/lib.rs"), (1184, b"kind"), (1200, b"data"),
                 (1216, b"fn"), (1232, b"https://x"), (1248, b"GET"), (1264, b"al"),
                 (1280, b"ali"), (1300, b"\x00\x9f\x92\x96")]:
    put(at, data)
desc(0, 1024, 3)      # key
desc(16, 1040, 5)     # value
desc(32, 1056, 32)    # a 32-byte id
desc(48, 1088, 64)    # a signature
desc(64, 1152, 5)     # "hello"
desc(80, 1168, 10)    # Location: file, line 7, column 3
put(96, struct.pack("<II", 7, 3))
desc(112, 1184, 4)    # Event: kind, data
desc(128, 1200, 4)
desc(144, 1056, 32)   # XCall: context id, function, params
desc(160, 1216, 2)
desc(176, 1200, 4)
put(192, struct.pack("<Q", 0))  # ValueReturn Ok("hello")
desc(200, 1152, 5)
put(216, struct.pack("<Q", 1))  # ValueReturn Err("hello")
desc(224, 1152, 5)
desc(240, 1400, 32)   # out: 32 bytes
desc(256, 1440, 8)    # out: 8 bytes
desc(272, 1450, 5)    # out: 5 bytes
desc(288, 1232, 9)    # url
desc(304, 1248, 3)    # method / protocol
desc(320, 1264, 2)    # alias (even length: unknown to the hooks)
desc(336, 1280, 3)    # alias (odd length: known)
desc(352, 1300, 4)    # bad UTF-8
desc(368, 1500, 64)   # out: 64 bytes
desc(384, 0, 0)       # empty
desc(400, 1200, 4)    # proposal actions
desc(416, 65536 - 3, 3)       # ends exactly at the end of one page
desc(432, 65536 - 2, 3)       # one past the end
desc(448, 2**64 - 6, 10)      # wraps around


def D(off):  # pointer to the descriptor/struct at off
    assert off % 8 == 0
    return bytes([1, off // 8])


def R(i):  # register id
    return bytes([5, i])


def N(v):  # small number
    return bytes([0, v])


def END(k):  # memory size - k
    return bytes([2, k])


def BIG(k):  # 2^64 - 1 - k
    return bytes([4, k])


def seed(flags, calls, fail_at=None):
    out = bytearray([flags])
    if flags & F_ALLOC_FAIL:
        out.append(fail_at)
    out.append(len(calls))
    for name, *args in calls:
        out.append(IMPORTS.index(name))
        for a in args:
            out += a
    return bytes(out + mem)


storage = [("storage_write", D(0), D(16), R(1)), ("storage_read", D(0), R(2)),
           ("register_len", R(2)), ("read_register", R(2), D(272)),
           ("storage_remove", D(0), R(3)), ("storage_read", D(0), R(2)),
           ("storage_write", D(384), D(384), R(4))]
io = [("input", R(0)), ("register_len", R(0)), ("read_register", R(0), D(272)),
      ("context_id", R(1)), ("executor_id", R(2)), ("read_register", R(1), D(240)),
      ("register_len", R(4)), ("value_return", D(192))]
records = [("log_utf8", D(64)), ("emit", D(112)), ("emit_with_handler", D(112), D(64)),
           ("emit_with_handler", D(112), N(0)), ("xcall", D(144)),
           ("js_std_d_print", N(0), bytes([7, 4]) + b"", N(5)), ("value_return", D(216)),
           ("log_utf8", D(352))]
commit = storage[:1] + [("commit", D(32), D(16))]
commit_twice = commit + [("commit", D(32), D(384))]
panic = [("log_utf8", D(64)), ("panic", D(80))]
panic_utf8 = [("panic_utf8", D(64), D(80))]
private = [("private_storage_write", D(0), D(16)), ("private_storage_read", D(0), R(1)),
           ("private_storage_remove", D(0), R(2)), ("private_storage_read", D(0), R(1))]
utility = [("random_bytes", D(368)), ("time_now", D(256)),
           ("ed25519_verify", D(48), D(32), D(64)),
           ("fetch", D(288), D(304), D(384), D(384), R(1)), ("time_now", D(240))]
governance = [("send_proposal", D(400), D(240)), ("approve_proposal", D(32)),
              ("send_proposal", D(384), D(32))]
context = [("context_create", D(304), D(32), D(16), D(320)),
           ("context_create", D(304), D(32), D(16), N(0)), ("context_delete", D(32)),
           ("context_add_member", D(32)), ("context_remove_member", D(32)),
           ("context_is_member", D(32)), ("context_members", R(1)),
           ("context_resolve_alias", D(336), R(2)), ("context_resolve_alias", D(320), R(2)),
           ("context_create", D(304), D(32), D(16), D(336))]
# blob ids starting with a multiple of 3 are unknown to the hooks (0x33 is)
blobs = [("blob_create",), ("blob_write", N(1), D(16)), ("blob_close", N(1), D(240)),
         ("blob_open", D(240)), ("blob_read", N(2), D(368)), ("blob_read", N(2), D(368)),
         ("blob_read", N(2), D(368)), ("blob_close", N(2), D(240)),
         ("blob_announce_to_context", D(240), D(32)), ("blob_create",), ("blob_open", D(240)),
         ("blob_open", D(32)), ("blob_announce_to_context", D(32), D(32))]
edges = [("log_utf8", D(416)), ("log_utf8", END(16)), ("read_register", R(0), END(8)),
         ("log_utf8", D(432))]
wraps = [("input", R(0)), ("read_register", R(0), BIG(5)), ("log_utf8", D(448))]

seeds = {
    "storage": seed(0, storage),
    "io": seed(0, io),
    "io_input": seed(F_INPUT, io),
    "records": seed(0, records),
    "records_tiny": seed(F_TINY, records),
    "records_trace": seed(F_TRACE | F_MERGE, records),
    "commit": seed(0, commit),
    "commit_twice": seed(F_PRIVATE, commit_twice),
    "panic": seed(0, panic),
    "panic_utf8": seed(F_MERGE, panic_utf8),
    "private": seed(F_PRIVATE, private + commit),
    "private_none": seed(0, private),
    "utility": seed(F_TWO_PAGES, utility),
    "governance": seed(0, governance),
    "context": seed(0, context),
    "context_hooks": seed(F_HOOKS, context),
    "blobs": seed(0, blobs),
    "blobs_hooks": seed(F_HOOKS, blobs),
    "blobs_tiny": seed(F_HOOKS | F_TINY, blobs),
    "edges": seed(0, edges),
    "edges_two_pages": seed(F_TWO_PAGES, edges),
    "wraps": seed(0, wraps),
    "storage_nomem": seed(F_ALLOC_FAIL, storage + commit, 5),
    "records_nomem": seed(F_ALLOC_FAIL | F_TRACE, records, 17),
    "blobs_nomem": seed(F_ALLOC_FAIL | F_HOOKS, blobs, 30),
}

out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus", "fuzz_host")
os.makedirs(out_dir, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out_dir, name), "wb") as f:
        f.write(data)
print(f"{len(seeds)} seeds in {out_dir}")
