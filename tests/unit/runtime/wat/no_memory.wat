;; no_memory.wat: exports no memory.
(module
  (func (export "test_func")))
