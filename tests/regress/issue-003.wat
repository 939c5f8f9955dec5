;; issue-003: a local.get still pending on the operand stack when a call is made was
;; forgotten by the compiler: after the call, local.set/local.tee of that local (directly
;; or inside a block) no longer copied the old value out first, so the later consumer
;; read the new value. Each export traps (unreachable) if it sees the new value.
(module
  (func $sink (param i32))
  (func $nop)

  ;; local.get 0; call; local.set 0 -> the value read before the set
  (func (export "plain") (param i32) (result i32)
    local.get 0
    i32.const 1
    call $sink
    i32.const 7
    local.set 0)

  ;; the same through i64.extend_i32_u, and with local.tee
  (func (export "extend_tee") (param i32) (result i64)
    local.get 0
    i64.extend_i32_u
    call $nop
    i32.const 7
    local.tee 0
    drop)

  ;; the write happens inside a block entered after the call
  (func (export "in_block") (param i32) (result i64)
    local.get 0
    i64.extend_i32_u
    call $nop
    block
      i32.const 0
      local.set 0
    end)

  ;; the calimero app pattern: hi << 32 | lo with both halves overwritten later
  (func (export "pack") (param i32 i32) (result i64)
    local.get 0
    i64.extend_i32_u
    i32.const 1
    call $sink
    i32.const 3328
    local.set 0
    i64.const 32
    i64.shl
    local.get 1
    i64.extend_i32_u
    call $nop
    block
      i32.const 0
      local.set 1
    end
    i64.or)

  (func (export "check")
    (if (i32.ne (call 2 (i32.const 5)) (i32.const 5)) (then unreachable))
    (if (i64.ne (call 3 (i32.const 5)) (i64.const 5)) (then unreachable))
    (if (i64.ne (call 4 (i32.const 5)) (i64.const 5)) (then unreachable))
    (if (i64.ne (call 5 (i32.const 0) (i32.const 150)) (i64.const 150)) (then unreachable))))
