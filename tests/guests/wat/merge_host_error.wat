;; merge_host_error.wat: the hook fails in a host function (bad descriptor); the failure
;; is ignored and the method runs (spec/runtime-model.md §3 step 4).
(module
  (import "env" "log_utf8" (func $log (param i64)))
  (memory (export "memory") 1)
  (data (i32.const 0) "runs")
  (func (export "__calimero_register_merge")
    (i64.store (i32.const 64) (i64.const 0)) (i64.store (i32.const 72) (i64.const 4))
    (call $log (i64.const 64))
    (call $log (i64.const 65530))
    (call $log (i64.const 64)))
  (func (export "run")
    (i64.store (i32.const 64) (i64.const 0)) (i64.store (i32.const 72) (i64.const 4))
    (call $log (i64.const 64))))
