// RUN: edgeai-opt %s --split-input-file --verify-diagnostics | filecheck %s

/// Every verifier message of the `mem` dialect, one case each; all of them can be reached from
/// text (tests/test_conventions.py checks that each message of dialects/mem.py has its case
/// here).

/// mem.alloc: a static shape ...
// CHECK: mem.alloc needs a static shape, got memref<?x8xi8>
func.func @f() {
  %0 = mem.alloc {pool = "arena"} : memref<?x8xi8>
  func.return
}

// -----

/// ... a known pool ...
// CHECK: mem.alloc: unknown pool 'flash' (known: arena, scratch)
func.func @f() {
  %0 = mem.alloc {pool = "flash"} : memref<8xi8>
  func.return
}

// -----

/// ... an offset >= 0 ...
// CHECK: mem.alloc offset must be >= 0, got -16
func.func @f() {
  %0 = mem.alloc {pool = "arena", offset = -16 : i64} : memref<8xi8>
  func.return
}

// -----

/// ... that is a multiple of the element size (natural alignment) ...
// CHECK: mem.alloc offset 18 is not a multiple of the element size (4 bytes for f32)
func.func @f() {
  %0 = mem.alloc {pool = "arena", offset = 18 : i64} : memref<8xf32>
  func.return
}

// -----

/// ... of an element type that has a size in bytes.
// CHECK: mem.alloc: element type index has no storage size, so the buffer cannot be placed at an offset
func.func @f() {
  %0 = mem.alloc {pool = "arena", offset = 16 : i64} : memref<8xindex>
  func.return
}

// -----

/// mem.view: static shapes ...
// CHECK: mem.view needs static shapes, got memref<?x8xi8> -> memref<8x?xi8>
func.func @f(%x: memref<?x8xi8>) {
  %0 = mem.view %x : memref<?x8xi8> -> memref<8x?xi8>
  func.return
}

// -----

/// ... the element type kept ...
// CHECK: mem.view keeps the element type: i8 vs ui8
func.func @f(%x: memref<2x8xi8>) {
  %0 = mem.view %x : memref<2x8xi8> -> memref<16xui8>
  func.return
}

// -----

/// ... and the number of elements.
// CHECK: mem.view from memref<2x8xi8> to memref<2x4xi8> changes the size
func.func @f(%x: memref<2x8xi8>) {
  %0 = mem.view %x : memref<2x8xi8> -> memref<2x4xi8>
  func.return
}
