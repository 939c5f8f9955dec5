;; start_ok.wat: a start function that only sets a global; methods see its effect.
(module
  (import "env" "value_return" (func $ret (param i64)))
  (memory (export "memory") 1)
  (global $g (mut i32) (i32.const 0))
  (data (i32.const 100) "started")
  (func $start (global.set $g (i32.const 7)))
  (start $start)
  (func (export "run")
    (i64.store (i32.const 0) (i64.const 0))
    (i64.store (i32.const 8) (i64.const 100))
    (i64.store (i32.const 16) (i64.extend_i32_u (global.get $g)))
    (call $ret (i64.const 0))))
