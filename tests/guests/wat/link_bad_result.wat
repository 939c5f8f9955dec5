;; link_bad_result.wat: `register_len` declared without its i64 result (LinkError).
(module
  (import "env" "register_len" (func (param i64)))
  (memory (export "memory") 1)
  (func (export "run")))
