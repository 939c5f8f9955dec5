;; merge_stack_overflow.wat: the hook overflows the stack; the trap is ignored and the
;; method then runs normally in the same instance (spec/runtime-model.md §3 step 4).
(module
  (import "env" "log_utf8" (func $log (param i64)))
  (memory (export "memory") 1)
  (data (i32.const 0) "after overflow")
  (func $down (call $down))
  (func (export "__calimero_register_merge") (call $down))
  (func (export "run")
    (i64.store (i32.const 64) (i64.const 0)) (i64.store (i32.const 72) (i64.const 14))
    (call $log (i64.const 64))))
