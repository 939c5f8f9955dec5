;; link_unknown.wat: imports a name the host does not offer.
(module
  (import "env" "no_such_function" (func (param i64)))
  (memory (export "memory") 1)
  (func (export "test_func")))
