;; link_signature.wat: imports storage_read with the wrong signature.
(module
  (import "env" "storage_read" (func (param i64) (result i32)))
  (memory (export "memory") 1)
  (func (export "test_func")))
