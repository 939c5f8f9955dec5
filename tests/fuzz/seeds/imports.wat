;; Imports of every kind, used from a start function and from exports.
(module
  (import "env" "f" (func $f (param i32 f64) (result i64)))
  (import "env" "g" (global $g (mut i32)))
  (import "env" "mem" (memory 1 2))
  (import "env" "tab" (table 1 funcref))
  (global $count (mut i32) (i32.const 0))
  (func $start (global.set $count (i32.const 1)))
  (start $start)
  (func (export "use") (result i64)
    (global.set $g (i32.add (global.get $g) (global.get $count)))
    (i32.store (i32.const 0) (global.get $g))
    (call $f (i32.load (i32.const 0)) (f64.const 0.5))))
