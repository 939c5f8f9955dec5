;; fresh.wat: every run starts from a fresh instance, also when the runtime reuses the
;; previous run's memory mapping (tests/unit/runtime).
(module
  (memory (export "memory") 2 8)
  (data (i32.const 100) "seg")
  (global $g (mut i32) (i32.const 7))
  ;; writes a word into every 4 KiB page of 5 pages (2 initial + 3 grown), sets the global
  (func (export "dirty") (local $p i32)
    (drop (memory.grow (i32.const 3)))
    (loop $l
      (i32.store (local.get $p) (i32.const -1))
      (local.set $p (i32.add (local.get $p) (i32.const 4096)))
      (br_if $l (i32.lt_u (local.get $p) (i32.const 327680))))
    (global.set $g (i32.const 9)))
  ;; traps unless: 2 pages, the global's initial value, the data segment, zeros elsewhere
  ;; (also in the 3 pages a grow adds)
  (func (export "check") (local $p i32)
    (if (i32.ne (memory.size) (i32.const 2)) (then unreachable))
    (if (i32.ne (global.get $g) (i32.const 7)) (then unreachable))
    (if (i32.ne (i32.load (i32.const 100)) (i32.const 0x676573)) (then unreachable))
    (i32.store (i32.const 100) (i32.const 0))
    (drop (memory.grow (i32.const 3)))
    (loop $l
      (if (i32.load (local.get $p)) (then unreachable))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br_if $l (i32.lt_u (local.get $p) (i32.const 327680))))))
