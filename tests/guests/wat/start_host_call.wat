;; start_host_call.wat: the start function calls a host function, which fails because the
;; guest memory is not yet attached (spec/runtime-model.md §3 step 2: Indeterminate).
(module
  (import "env" "log_utf8" (func $log (param i64)))
  (memory (export "memory") 1)
  (func $start (call $log (i64.const 0)))
  (start $start)
  (func (export "run")))
