;; start_trap.wat: the start function traps during instantiation (a WasmTrap).
(module
  (memory (export "memory") 1)
  (func $start unreachable)
  (start $start)
  (func (export "run")))
