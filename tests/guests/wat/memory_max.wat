;; memory_max.wat: a memory with a declared maximum of 2 pages; memory.grow beyond it
;; returns -1 (spec/runtime-model.md §5.3).
(module
  (import "env" "value_return" (func $ret (param i64)))
  (memory (export "memory") 1 2)
  (func $ret_i64 (param i64)
    (i64.store (i32.const 1024) (local.get 0))
    (i64.store (i32.const 1040) (i64.const 0))
    (i64.store (i32.const 1048) (i64.const 1024))
    (i64.store (i32.const 1056) (i64.const 8))
    (call $ret (i64.const 1040)))
  (func (export "grow_to_max") (call $ret_i64 (i64.extend_i32_s (memory.grow (i32.const 1)))))
  (func (export "grow_past_max") (call $ret_i64 (i64.extend_i32_s (memory.grow (i32.const 2)))))
  (func (export "size") (call $ret_i64 (i64.extend_i32_s (memory.size)))))
