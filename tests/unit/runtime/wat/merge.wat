;; merge.wat: a merge hook that logs then traps; the method logs too.
(module
  (import "env" "log_utf8" (func $log (param i64)))
  (memory (export "memory") 1)
  (data (i32.const 0) "mergemethod")
  (data (i32.const 16) "\00\00\00\00\00\00\00\00\05\00\00\00\00\00\00\00")
  (data (i32.const 32) "\05\00\00\00\00\00\00\00\06\00\00\00\00\00\00\00")
  (func (export "__calimero_register_merge")
    (call $log (i64.const 16))
    unreachable)
  (func (export "method")
    (call $log (i64.const 32))))
