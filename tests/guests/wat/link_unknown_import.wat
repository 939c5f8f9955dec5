;; link_unknown_import.wat: imports a name that is not a host function (LinkError).
(module
  (import "env" "not_a_host_function" (func (param i64)))
  (memory (export "memory") 1)
  (func (export "run")))
