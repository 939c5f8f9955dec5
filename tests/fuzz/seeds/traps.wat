;; Runs that end in traps: unreachable, division, conversion, fuel, call depth.
(module
  (func (export "unreachable") unreachable)
  (func (export "div") (result i32) (i32.div_s (i32.const 1) (i32.const 0)))
  (func (export "overflow") (result i32) (i32.div_s (i32.const 0x80000000) (i32.const -1)))
  (func (export "convert") (result i32) (i32.trunc_f32_s (f32.const nan)))
  (func (export "spin") (loop $l (br $l)))
  (func $deep (export "deep") (param i32) (call $deep (i32.add (local.get 0) (i32.const 1)))))
