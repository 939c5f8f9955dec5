;; link_global_import.wat: imports a global from `env` (the host provides none).
(module
  (import "env" "stack_base" (global i32))
  (memory (export "memory") 1)
  (func (export "run")))
