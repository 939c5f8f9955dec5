;; link_memory_import.wat: imports its memory from `env` (the host provides none).
(module
  (import "env" "memory" (memory 1))
  (export "memory" (memory 0))
  (func (export "run")))
