;; no_memory.wat: a module without the mandatory `memory` export (spec/runtime-model.md §3
;; step 3: MethodNotFound { name: "memory" }, for every method, before the merge hook).
(module
  (import "env" "log_utf8" (func $log (param i64)))
  (memory 1)
  (func (export "__calimero_register_merge") (call $log (i64.const 0)))
  (func (export "run")))
