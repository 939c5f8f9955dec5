;; memory_not_memory.wat: `memory` names a global, not a memory (spec/runtime-model.md §3
;; step 3: an upstream panic, reported as Panic { context: Guest }).
(module
  (memory 1)
  (global (export "memory") i32 (i32.const 0))
  (func (export "run")))
