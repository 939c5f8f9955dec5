;; merge_bad_signature.wat: `__calimero_register_merge` is not () -> (), so it is skipped.
(module
  (import "env" "log_utf8" (func $log (param i64)))
  (memory (export "memory") 1)
  (data (i32.const 0) "hookmethod")
  (func (export "__calimero_register_merge") (param i32)
    (i64.store (i32.const 64) (i64.const 0)) (i64.store (i32.const 72) (i64.const 4))
    (call $log (i64.const 64)))
  (func (export "run")
    (i64.store (i32.const 64) (i64.const 4)) (i64.store (i32.const 72) (i64.const 6))
    (call $log (i64.const 64))))
