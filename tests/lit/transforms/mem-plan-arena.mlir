// RUN: edgeai-opt %s --split-input-file -p mem-plan-arena | filecheck %s
// RUN: edgeai-opt %s --split-input-file -p 'mem-plan-arena{objective=ram alignment=8 io-in-arena=true}' | filecheck %s --check-prefix=RAM
// RUN: edgeai-opt %s --split-input-file -p 'mem-plan-arena{objective=time}' | filecheck %s --check-prefix=TIME
// RUN: not edgeai-opt %s -p 'mem-plan-arena{alignment=3}' 2>&1 | filecheck %s --check-prefix=ALIGN
// RUN: not edgeai-opt %s -p 'mem-plan-arena{objective=fast}' 2>&1 | filecheck %s --check-prefix=OBJ
// RUN: not edgeai-opt %s -p 'mem-plan-arena{io-in-arena=maybe}' 2>&1 | filecheck %s --check-prefix=IO

// ALIGN: error: {{.*}}mem-plan-arena: alignment must be a power of two, got 3
// OBJ: error: {{.*}}mem-plan-arena: objective must be one of ram, time, balanced, got 'fast'
// IO: error: {{.*}}mem-plan-arena: io-in-arena must be true or false, got maybe

/// A chain: buffers alternate between two slots; the views are the bytes of %d (its life
/// lasts until the last read through %w). With the inputs/outputs in the arena (RAM), %x
/// and %y get offsets too, and the clamp writes over the input it reads last.
// CHECK-LABEL: func.func @chain
// CHECK-SAME:    (%x: memref<8x8xf32>, %y: memref<8x8xf32>)
// CHECK-SAME:    edgeai.arena_bytes = 512 : i64, edgeai.arena_lower_bound_bytes = 512 : i64, edgeai.arena_alignment = 16 : i64, edgeai.io_in_arena = false
// CHECK-NEXT:    %a = mem.alloc {pool = "arena", offset = 0 : i64}
// CHECK-NEXT:    kernel.transpose %x, %a
// CHECK-NEXT:    %b = mem.alloc {pool = "arena", offset = 256 : i64}
// CHECK-NEXT:    kernel.transpose %a, %b
// CHECK-NEXT:    %c = mem.alloc {pool = "arena", offset = 0 : i64}
// CHECK-NEXT:    kernel.transpose %b, %c
// CHECK-NEXT:    %d = mem.alloc {pool = "arena", offset = 256 : i64}
// CHECK-NEXT:    kernel.clamp %c, %d
// CHECK-NEXT:    mem.view %d
// CHECK-NEXT:    mem.view
// CHECK-NEXT:    kernel.transpose %w, %y

// RAM-LABEL: func.func @chain
// RAM-SAME:    (%x: memref<8x8xf32> {edgeai.offset = 0 : i64}, %y: memref<8x8xf32> {edgeai.offset = 0 : i64})
// RAM-SAME:    edgeai.arena_bytes = 512 : i64, edgeai.arena_lower_bound_bytes = 512 : i64, edgeai.arena_alignment = 8 : i64, edgeai.io_in_arena = true
// RAM:         %c = mem.alloc {pool = "arena", offset = [[C:[0-9]+]] : i64}
// RAM:         %d = mem.alloc {pool = "arena", offset = [[C]] : i64}
// RAM-NEXT:    kernel.clamp %c, %d

func.func @chain(%x: memref<8x8xf32>, %y: memref<8x8xf32>) attributes {edgeai.num_outputs = 1 : i64} {
  %a = mem.alloc {pool = "arena"} : memref<8x8xf32>
  kernel.transpose %x, %a {perm = array<i64: 1, 0>} : memref<8x8xf32>, memref<8x8xf32>
  %b = mem.alloc {pool = "arena"} : memref<8x8xf32>
  kernel.transpose %a, %b {perm = array<i64: 1, 0>} : memref<8x8xf32>, memref<8x8xf32>
  %c = mem.alloc {pool = "arena"} : memref<8x8xf32>
  kernel.transpose %b, %c {perm = array<i64: 1, 0>} : memref<8x8xf32>, memref<8x8xf32>
  %d = mem.alloc {pool = "arena"} : memref<8x8xf32>
  kernel.clamp %c, %d {fmin = 0.0 : f32, fmax = 6.0 : f32} : memref<8x8xf32>, memref<8x8xf32>
  %v = mem.view %d : memref<8x8xf32> -> memref<64xf32>
  %w = mem.view %v : memref<64xf32> -> memref<8x8xf32>
  kernel.transpose %w, %y {perm = array<i64: 1, 0>} : memref<8x8xf32>, memref<8x8xf32>
  func.return
}

// -----

/// A residual add: %a, %b and %c are live together unless the add writes %c over %a, which
/// it reads for the last time (balanced: in place because it lowers the peak; time: never).
// CHECK-LABEL: func.func @residual
// CHECK-SAME:    edgeai.arena_bytes = 128 : i64, edgeai.arena_lower_bound_bytes = 128 : i64
// CHECK:         %a = mem.alloc {pool = "arena", offset = [[A:[0-9]+]] : i64}
// CHECK:         %c = mem.alloc {pool = "arena", offset = [[A]] : i64}
// CHECK-NEXT:    kernel.add %a, %b, %c

// TIME-LABEL: func.func @residual
// TIME-SAME:    edgeai.arena_bytes = 192 : i64, edgeai.arena_lower_bound_bytes = 192 : i64

func.func @residual(%x: memref<4x16xi8>, %y: memref<16x4xi8>) attributes {edgeai.num_outputs = 1 : i64} {
  %a = mem.alloc {pool = "arena"} : memref<16x4xi8>
  kernel.transpose %x, %a {perm = array<i64: 1, 0>} : memref<4x16xi8>, memref<16x4xi8>
  %b = mem.alloc {pool = "arena"} : memref<16x4xi8>
  kernel.clamp %a, %b {qmin = -100 : i64, qmax = 100 : i64} : memref<16x4xi8>, memref<16x4xi8>
  %c = mem.alloc {pool = "arena"} : memref<16x4xi8>
  kernel.add %a, %b, %c {input1_offset = 0 : i64, input2_offset = 0 : i64, output_offset = 0 : i64, left_shift = 20 : i64, input1_multiplier = 1073741824 : i64, input1_shift = 0 : i64, input2_multiplier = 1073741824 : i64, input2_shift = 0 : i64, output_multiplier = 1073741824 : i64, output_shift = -19 : i64, qmin = -128 : i64, qmax = 127 : i64} : memref<16x4xi8>, memref<16x4xi8>, memref<16x4xi8>
  kernel.transpose %c, %y {perm = array<i64: 0, 1>} : memref<16x4xi8>, memref<16x4xi8>
  func.return
}

// -----

/// Two branches written interleaved: running each down to its 32-byte pooled result first
/// lowers the peak from 1056 to 576 bytes; `objective=time` keeps the written order.
// CHECK-LABEL: func.func @branches
// CHECK-SAME:    edgeai.arena_bytes = 576 : i64, edgeai.arena_lower_bound_bytes = 576 : i64
// CHECK:         kernel.transpose %x, %a1 {layer = "a1"
// CHECK:         kernel.avg_pool2d %a1, %a2 {layer = "a2"
// CHECK:         kernel.transpose %x, %b1 {layer = "b1"
// CHECK:         kernel.avg_pool2d %b1, %b2 {layer = "b2"
// CHECK:         kernel.add %a2, %b2, %y {layer = "y"

// TIME-LABEL: func.func @branches
// TIME-SAME:    edgeai.arena_bytes = 1056 : i64, edgeai.arena_lower_bound_bytes = 1056 : i64
// TIME:         {layer = "a1"
// TIME:         {layer = "b1"
// TIME:         {layer = "a2"
// TIME:         {layer = "b2"

func.func @branches(%x: memref<1x4x4x8xf32>, %y: memref<1x1x1x8xf32>) attributes {edgeai.num_outputs = 1 : i64} {
  %a1 = mem.alloc {pool = "arena"} : memref<1x4x4x8xf32>
  kernel.transpose %x, %a1 {layer = "a1", perm = array<i64: 0, 2, 1, 3>} : memref<1x4x4x8xf32>, memref<1x4x4x8xf32>
  %b1 = mem.alloc {pool = "arena"} : memref<1x4x4x8xf32>
  kernel.transpose %x, %b1 {layer = "b1", perm = array<i64: 0, 2, 1, 3>} : memref<1x4x4x8xf32>, memref<1x4x4x8xf32>
  %a2 = mem.alloc {pool = "arena"} : memref<1x1x1x8xf32>
  kernel.avg_pool2d %a1, %a2 {layer = "a2", kernel = array<i64: 4, 4>, strides = array<i64: 4, 4>, padding = array<i64: 0, 0, 0, 0>, fmin = -3.4028235e+38 : f32, fmax = 3.4028235e+38 : f32} : memref<1x4x4x8xf32>, memref<1x1x1x8xf32>
  %b2 = mem.alloc {pool = "arena"} : memref<1x1x1x8xf32>
  kernel.avg_pool2d %b1, %b2 {layer = "b2", kernel = array<i64: 4, 4>, strides = array<i64: 4, 4>, padding = array<i64: 0, 0, 0, 0>, fmin = -3.4028235e+38 : f32, fmax = 3.4028235e+38 : f32} : memref<1x4x4x8xf32>, memref<1x1x1x8xf32>
  kernel.add %a2, %b2, %y {layer = "y", fmin = -3.4028235e+38 : f32, fmax = 3.4028235e+38 : f32} : memref<1x1x1x8xf32>, memref<1x1x1x8xf32>, memref<1x1x1x8xf32>
  func.return
}
