;; fetch_guest.wat: the guest of the fetch example. Method `get` takes a URL as its input,
;; calls the host's `fetch` (GET, no headers, no body) and returns what came back in the
;; register: Ok(response body) when fetch returned 0, Err(message) when it returned 1.
;; Descriptors are { ptr: u64, len: u64 } (host-abi.md §0.3).
(module
  (import "env" "input" (func $input (param i64)))
  (import "env" "register_len" (func $register_len (param i64) (result i64)))
  (import "env" "read_register" (func $read_register (param i64 i64) (result i32)))
  (import "env" "fetch" (func $fetch (param i64 i64 i64 i64 i64) (result i32)))
  (import "env" "log_utf8" (func $log_utf8 (param i64)))
  (import "env" "value_return" (func $value_return (param i64)))
  (memory (export "memory") 4)

  ;; 0x00 url, 0x10 method, 0x20 headers, 0x30 body, 0x40 scratch, 0x50 ValueReturn,
  ;; 0x70 log message
  (data (i32.const 0x10) "\00\01\00\00\00\00\00\00" "\03\00\00\00\00\00\00\00")
  (data (i32.const 0x20) "\10\01\00\00\00\00\00\00" "\04\00\00\00\00\00\00\00")
  (data (i32.const 0x30) "\20\01\00\00\00\00\00\00" "\00\00\00\00\00\00\00\00")
  (data (i32.const 0x100) "GET")
  (data (i32.const 0x110) "\00\00\00\00") ;; borsh Vec<(String, String)>: empty
  (data (i32.const 0x200) "fetch: response received")  ;; 24 bytes
  (data (i32.const 0x220) "fetch: refused")            ;; 14 bytes
  (data (i32.const 0x240) "fetch: url too long")       ;; 19 bytes
  (data (i32.const 0x260) "fetch: response too large") ;; 25 bytes

  (func $log (param $ptr i64) (param $len i64)
    (i64.store (i32.const 0x70) (local.get $ptr))
    (i64.store (i32.const 0x78) (local.get $len))
    (call $log_utf8 (i64.const 0x70)))

  (func $return (param $tag i64) (param $ptr i64) (param $len i64)
    (i64.store (i32.const 0x50) (local.get $tag))
    (i64.store (i32.const 0x58) (local.get $ptr))
    (i64.store (i32.const 0x60) (local.get $len))
    (call $value_return (i64.const 0x50)))

  (func (export "get")
    (local $n i64)
    (local $status i32)
    ;; the URL: input -> register 0 -> memory at 0x1000 (at most 60 KiB)
    (call $input (i64.const 0))
    (local.set $n (call $register_len (i64.const 0)))
    (if (i64.gt_u (local.get $n) (i64.const 0xf000))
      (then
        (call $log (i64.const 0x240) (i64.const 19))
        (call $return (i64.const 1) (i64.const 0x240) (i64.const 19))
        (return)))
    (i64.store (i32.const 0x00) (i64.const 0x1000))
    (i64.store (i32.const 0x08) (local.get $n))
    (drop (call $read_register (i64.const 0) (i64.const 0x00)))

    ;; the request; the answer (body or error text) lands in register 1
    (local.set $status
      (call $fetch (i64.const 0x00) (i64.const 0x10) (i64.const 0x20) (i64.const 0x30)
                   (i64.const 1)))
    (local.set $n (call $register_len (i64.const 1)))
    (if (i64.gt_u (local.get $n) (i64.const 0x30000))
      (then
        (call $log (i64.const 0x260) (i64.const 25))
        (call $return (i64.const 1) (i64.const 0x260) (i64.const 25))
        (return)))
    (i64.store (i32.const 0x40) (i64.const 0x10000))
    (i64.store (i32.const 0x48) (local.get $n))
    (drop (call $read_register (i64.const 1) (i64.const 0x40)))
    (if (i32.eqz (local.get $status))
      (then (call $log (i64.const 0x200) (i64.const 24)))
      (else (call $log (i64.const 0x220) (i64.const 14))))
    (call $return (i64.extend_i32_u (local.get $status)) (i64.const 0x10000) (local.get $n)))
)
