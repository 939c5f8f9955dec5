;; link_other_module.wat: a host function name imported from a module other than `env`.
(module
  (import "host" "log_utf8" (func (param i64)))
  (memory (export "memory") 1)
  (func (export "run")))
