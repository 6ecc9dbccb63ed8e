// RUN: edgeai-opt %s --pass-pipeline=convert-loops-to-llvm | filecheck %s
// RUN: edgeai-opt %s --pass-pipeline=convert-loops-to-llvm -t llvm | filecheck %s --check-prefix=IR

/// Loop-level IR to the llvm dialect: globals keep their dense data, get_global is an address,
/// a memref.view into the arena and every memref access are i8 GEPs, scf.for is a CFG loop,
/// index is i64, math ops and NaN-propagating float min/max are intrinsics, fptosi saturates,
/// integer min/max are icmp + select, private functions get internal linkage.
// CHECK:       llvm.mlir.global internal constant @w(dense<[1, -2, 3, -4]> : tensor<4xi8>) {{.*}} : !llvm.array<4 x i8>
// CHECK-NEXT:  llvm.mlir.global internal @arena() {{.*}} : !llvm.array<64 x i8>
// CHECK-LABEL: llvm.func @main(%x: !llvm.ptr, %y: !llvm.ptr) {
// CHECK:         %[[W:.*]] = llvm.mlir.addressof @w : !llvm.ptr
// CHECK:         %[[A:.*]] = llvm.mlir.addressof @arena : !llvm.ptr
// CHECK-NEXT:    %[[AP:.*]] = llvm.bitcast %[[A]] : !llvm.ptr to !llvm.ptr
// CHECK-NEXT:    %[[C16:.*]] = llvm.mlir.constant(16) : i64
// CHECK-NEXT:    %t = llvm.getelementptr inbounds %[[AP]][%[[C16]]] : (!llvm.ptr, i64) -> !llvm.ptr, i8
// CHECK:         llvm.br ^bb1(%{{.*}} : i64)
// CHECK-NEXT:  ^bb1(%i: i64):
// CHECK-NEXT:    %{{.*}} = llvm.icmp "slt" %i, %{{.*}} : i64
// CHECK:         %[[OFF:.*]] = llvm.mul %i, %{{.*}} : i64
// CHECK-NEXT:    %[[P:.*]] = llvm.getelementptr inbounds %x[%[[OFF]]] : (!llvm.ptr, i64) -> !llvm.ptr, i8
// CHECK-NEXT:    %v = llvm.load %[[P]] : !llvm.ptr -> f32
// CHECK-NEXT:    %r = llvm.call_intrinsic "llvm.round.f32"(%v) : (f32) -> f32
// CHECK-NEXT:    %m = llvm.call_intrinsic "llvm.maximum.f32"(%r, %{{.*}}) : (f32, f32) -> f32
// CHECK-NEXT:    %q = llvm.call_intrinsic "llvm.fptosi.sat.i64.f32"(%m) : (f32) -> i64
// CHECK-NEXT:    %s = llvm.icmp "sgt" %q, %{{.*}} : i64
// CHECK-NEXT:    %{{.*}} = llvm.select %s, %q, %{{.*}} : i1, i64
// CHECK:         %w32 = llvm.sext %wv : i8 to i32
// CHECK-NEXT:    %p = llvm.call @times(%n, %w32) : (i32, i32) -> i32
// CHECK:         llvm.store %p, %{{.*}} : i32, !llvm.ptr
// CHECK:         llvm.return
// CHECK-LABEL: llvm.func internal @times(
// CHECK-NEXT:    llvm.mul %{{.*}}, %{{.*}} : i32

// IR:      @"w" = internal constant [4 x i8] [i8 1, i8 -2, i8 3, i8 -4]
// IR:      define void @"main"(ptr %".1", ptr %".2")
// IR:      getelementptr inbounds i8, ptr
// IR:      call float @"llvm.maximum.f32"
// IR:      call i64 @"llvm.fptosi.sat.i64.f32"

"memref.global"() <{sym_name = "w", type = memref<4xi8>, initial_value = dense<[1, -2, 3, -4]> : tensor<4xi8>, sym_visibility = "private", constant, alignment = 16 : i64}> : () -> ()
"memref.global"() <{sym_name = "arena", type = memref<64xi8>, initial_value, sym_visibility = "private", alignment = 16 : i64}> : () -> ()
func.func @main(%x: memref<4xf32>, %y: memref<4xi8>) attributes {edgeai.num_outputs = 1 : i64} {
  %w = memref.get_global @w : memref<4xi8>
  %a = memref.get_global @arena : memref<64xi8>
  %c16 = arith.constant 16 : index
  %t = memref.view %a[%c16][] : memref<64xi8> to memref<4xi32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  %lo = arith.constant -128 : i64
  %hi = arith.constant 127 : i64
  scf.for %i = %c0 to %c4 step %c1 {
    %v = memref.load %x[%i] : memref<4xf32>
    %r = math.round %v : f32
    %m = arith.maximumf %r, %zero : f32
    %q = arith.fptosi %m : f32 to i64
    %s = arith.maxsi %q, %lo : i64
    %u = arith.minsi %s, %hi : i64
    %n = arith.trunci %u : i64 to i32
    %wv = memref.load %w[%i] : memref<4xi8>
    %w32 = arith.extsi %wv : i8 to i32
    %p = func.call @times(%n, %w32) : (i32, i32) -> i32
    memref.store %p, %t[%i] : memref<4xi32>
    %b = arith.trunci %p : i32 to i8
    memref.store %b, %y[%i] : memref<4xi8>
  }
  func.return
}
func.func private @times(%a: i32, %b: i32) -> i32 {
  %p = arith.muli %a, %b : i32
  func.return %p : i32
}
