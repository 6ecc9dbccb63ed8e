// RUN: edgeai-opt %s --split-input-file --verify-diagnostics | filecheck %s

/// Verifier messages of the `onnx` dialect: required inputs and attributes, element types,
/// and the shape rule of each op (a few representative ones).

// CHECK: operand 'x' at position 0 does not verify
func.func @f() {
  %n = onnx.none
  %0 = "onnx.relu"(%n) : (none) -> tensor<2xf32>
  func.return
}

// -----

// CHECK: property 'alpha' expected in operation 'onnx.leaky_relu'
func.func @f(%x: tensor<2xf32>) {
  %0 = onnx.leaky_relu %x : (tensor<2xf32>) -> tensor<2xf32>
  func.return
}

// -----

// CHECK: unknown attribute 'beta' for onnx.leaky_relu
func.func @f(%x: tensor<2xf32>) {
  %0 = onnx.leaky_relu %x {alpha = 0.1 : f32, beta = 1.0 : f32} : (tensor<2xf32>) -> tensor<2xf32>
  func.return
}

// -----

// CHECK: operands must share one element type, got f32, i32
func.func @f(%a: tensor<2xf32>, %b: tensor<2xi32>) {
  %0 = onnx.add %a, %b : (tensor<2xf32>, tensor<2xi32>) -> tensor<2xf32>
  func.return
}

// -----

// CHECK: result #0 has shape 1x4x8x8, expected 1x4x6x6
func.func @f(%x: tensor<1x2x8x8xf32>, %w: tensor<4x2x3x3xf32>) {
  %n = onnx.none
  %0 = onnx.conv %x, %w, %n {auto_pad = "NOTSET", dilations = array<i64: 1, 1>, group = 1 : i64, kernel_shape = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x8x8xf32>, tensor<4x2x3x3xf32>, none) -> tensor<1x4x8x8xf32>
  func.return
}

// -----

// CHECK: input channels 3 != weight channels 2 x group 1
func.func @f(%x: tensor<1x3x8x8xf32>, %w: tensor<4x2x3x3xf32>) {
  %n = onnx.none
  %0 = onnx.conv %x, %w, %n {auto_pad = "NOTSET", dilations = array<i64: 1, 1>, group = 1 : i64, kernel_shape = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32>, none) -> tensor<1x4x6x6xf32>
  func.return
}

// -----

// CHECK: kernel_shape [3, 3] != weight spatial dims [5, 5]
func.func @f(%x: tensor<1x2x8x8xf32>, %w: tensor<4x2x5x5xf32>) {
  %n = onnx.none
  %0 = onnx.conv %x, %w, %n {auto_pad = "NOTSET", dilations = array<i64: 1, 1>, group = 1 : i64, kernel_shape = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x8x8xf32>, tensor<4x2x5x5xf32>, none) -> tensor<1x4x6x6xf32>
  func.return
}

// -----

// CHECK: Gemm inner dimensions differ: 3 vs 4
func.func @f(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  %n = onnx.none
  %0 = onnx.gemm %a, %b, %n {alpha = 1.0 : f32, beta = 1.0 : f32, transA = 0 : i64, transB = 0 : i64} : (tensor<2x3xf32>, tensor<4x5xf32>, none) -> tensor<2x5xf32>
  func.return
}

// -----

// CHECK: Reshape from 2x3 to [4, 2] changes the element count
func.func @f(%x: tensor<2x3xf32>) {
  %s = onnx.constant dense<[4, 2]> : tensor<2xi64>
  %0 = onnx.reshape %x, %s {allowzero = 0 : i64} : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<4x2xf32>
  func.return
}

// -----

// CHECK: perm [1, 1] is not a permutation of rank 2
func.func @f(%x: tensor<2x3xf32>) {
  %0 = onnx.transpose %x {perm = array<i64: 1, 1>} : (tensor<2x3xf32>) -> tensor<3x3xf32>
  func.return
}

// -----

// CHECK: Concat inputs 2x3 and 3x3 differ off axis 1
func.func @f(%a: tensor<2x3xf32>, %b: tensor<3x3xf32>) {
  %0 = onnx.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<3x3xf32>) -> tensor<2x6xf32>
  func.return
}

// -----

// CHECK: Squeeze axis 0 has size 2, not 1
func.func @f(%x: tensor<2x1xf32>) {
  %a = onnx.constant dense<[0]> : tensor<1xi64>
  %0 = onnx.squeeze %x, %a : (tensor<2x1xf32>, tensor<1xi64>) -> tensor<1xf32>
  func.return
}

// -----

// CHECK: value shape does not match the result type
func.func @f() {
  %0 = "onnx.constant"() <{value = dense<[1.0, 2.0]> : tensor<2xf32>}> : () -> tensor<3xf32>
  func.return
}

// -----

// CHECK: value element type does not match the result type
func.func @f() {
  %0 = "onnx.constant"() <{value = dense<[1, 2]> : tensor<2xi32>}> : () -> tensor<2xi64>
  func.return
}

// -----

// CHECK: 0 : i64 should be of base attribute array
func.func @f(%x: tensor<1x2x8x8xf32>, %w: tensor<4x2x3x3xf32>) {
  %n = onnx.none
  %0 = onnx.conv %x, %w, %n {auto_pad = "NOTSET", dilations = array<i64: 1, 1>, group = 1 : i64, kernel_shape = array<i64: 3, 3>, pads = 0 : i64, strides = array<i64: 1, 1>} : (tensor<1x2x8x8xf32>, tensor<4x2x3x3xf32>, none) -> tensor<1x4x6x6xf32>
  func.return
}

// -----

// CHECK: operands must share one element type, got f32, i8
func.func @f(%x: tensor<4xf32>, %s: tensor<i8>) {
  %0 = onnx.bipolar_quant %x, %s : (tensor<4xf32>, tensor<i8>) -> tensor<4xf32>
  func.return
}

// -----

// CHECK: property 'narrow' expected in operation 'onnx.quant'
func.func @f(%x: tensor<4xf32>, %s: tensor<f32>) {
  %0 = onnx.quant %x, %s, %s, %s {signed = 1 : i64, rounding_mode = "ROUND"} : (tensor<4xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<4xf32>
  func.return
}
