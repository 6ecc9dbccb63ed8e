// RUN: edgeai-opt %s --split-input-file | filecheck %s
// RUN: edgeai-opt %s --split-input-file --print-op-generic | edgeai-opt --split-input-file | filecheck %s

/// Every `mem` op with each of its properties prints in its custom form and parses back
/// unchanged, also through the generic form.

/// mem.alloc: unplanned (no pool, no offset), in the arena before and after planning, in the
/// scratch pool, an offset without a pool, an empty buffer; i8, i16, i32 and f32 elements.
// CHECK-LABEL: func.func @alloc(
// CHECK-NEXT:    %0 = mem.alloc : memref<1x8x8x16xi8>
// CHECK-NEXT:    %1 = mem.alloc {pool = "arena"} : memref<1x10xf32>
// CHECK-NEXT:    %2 = mem.alloc {pool = "arena", offset = 1024 : i64} : memref<1x4x4x8xi8>
// CHECK-NEXT:    %3 = mem.alloc {pool = "scratch", offset = 0 : i64} : memref<64xi32>
// CHECK-NEXT:    %4 = mem.alloc {offset = 48 : i64} : memref<2x3xi16>
// CHECK-NEXT:    %5 = mem.alloc {pool = "arena", offset = 16 : i64} : memref<0xf32>
// CHECK-NEXT:    func.return
func.func @alloc() {
  %0 = mem.alloc : memref<1x8x8x16xi8>
  %1 = mem.alloc {pool = "arena"} : memref<1x10xf32>
  %2 = mem.alloc {pool = "arena", offset = 1024 : i64} : memref<1x4x4x8xi8>
  %3 = mem.alloc {pool = "scratch", offset = 0 : i64} : memref<64xi32>
  %4 = mem.alloc {offset = 48 : i64} : memref<2x3xi16>
  %5 = mem.alloc {pool = "arena", offset = 16 : i64} : memref<0xf32>
  func.return
}

// -----

/// mem.view: of an argument, of an alloc, of a view (rank changes both ways), read by a kernel.
// CHECK-LABEL: func.func @view(
// CHECK-NEXT:    %0 = mem.view %image : memref<1x1x8x8xf32> -> memref<1x8x8x1xf32>
// CHECK-NEXT:    %1 = mem.alloc {pool = "arena", offset = 0 : i64} : memref<1x4x4x8xi8>
// CHECK-NEXT:    %2 = mem.view %1 : memref<1x4x4x8xi8> -> memref<1x128xi8>
// CHECK-NEXT:    %3 = mem.view %2 : memref<1x128xi8> -> memref<128xi8>
// CHECK-NEXT:    %4 = mem.view %0 : memref<1x8x8x1xf32> -> memref<1x64xf32>
// CHECK-NEXT:    kernel.copy %4, %out : memref<1x64xf32>, memref<1x64xf32>
// CHECK-NEXT:    func.return
func.func @view(%image: memref<1x1x8x8xf32>, %out: memref<1x64xf32>) {
  %0 = mem.view %image : memref<1x1x8x8xf32> -> memref<1x8x8x1xf32>
  %1 = mem.alloc {pool = "arena", offset = 0 : i64} : memref<1x4x4x8xi8>
  %2 = mem.view %1 : memref<1x4x4x8xi8> -> memref<1x128xi8>
  %3 = mem.view %2 : memref<1x128xi8> -> memref<128xi8>
  %4 = mem.view %0 : memref<1x8x8x1xf32> -> memref<1x64xf32>
  kernel.copy %4, %out : memref<1x64xf32>, memref<1x64xf32>
  func.return
}
