;; link_bad_signature.wat: `log_utf8` declared with an i32 parameter (LinkError).
(module
  (import "env" "log_utf8" (func (param i32)))
  (memory (export "memory") 1)
  (func (export "run")))
