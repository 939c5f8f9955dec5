;; link_module.wat: imports from a module other than "env".
(module
  (import "host" "log_utf8" (func (param i64)))
  (memory (export "memory") 1)
  (func (export "test_func")))
