// RUN: edgeai-opt %s --split-input-file --verify-diagnostics | filecheck %s

/// Every verifier message of the `kernel` dialect, one case each; all of them can be reached
/// from text (tests/test_conventions.py checks that each message of dialects/kernel.py has its
/// case here). Shape and type rules the IRDL definitions enforce (required properties, memref
/// operands) are xDSL's own messages and are not repeated here.

/// An attribute that is neither a property, `layer` nor dialect-prefixed.
// CHECK: unknown attribute 'foo' for kernel.clamp
func.func @f(%x: memref<4xi8>, %y: memref<4xi8>) {
  kernel.clamp %x, %y {foo = 1 : i64, qmin = -128 : i64, qmax = 127 : i64} : memref<4xi8>, memref<4xi8>
  func.return
}

// -----

/// Buffers are static memrefs.
// CHECK: kernel.clamp: operand #0 must be a static memref, got memref<?x4xf32>
func.func @f(%x: memref<?x4xf32>, %y: memref<?x4xf32>) {
  kernel.clamp %x, %y {fmin = 0.0 : f32, fmax = 6.0 : f32} : memref<?x4xf32>, memref<?x4xf32>
  func.return
}

// -----

/// The quantized form (integer output) needs all its properties.
// CHECK: quantized kernel.clamp needs qmax
func.func @f(%x: memref<4xi8>, %y: memref<4xi8>) {
  kernel.clamp %x, %y {qmin = -128 : i64} : memref<4xi8>, memref<4xi8>
  func.return
}

// -----

/// The float form (f32 output) needs all its properties.
// CHECK: float kernel.softmax needs beta
func.func @f(%x: memref<1x10xf32>, %y: memref<1x10xf32>) {
  kernel.softmax %x, %y {diff_min = -124 : i64} : memref<1x10xf32>, memref<1x10xf32>
  func.return
}

// -----

/// A constant's value has the memref's shape ...
// CHECK: kernel.constant: value shape 3 differs from the memref's 2
func.func @f() {
  %0 = "kernel.constant"() <{value = dense<[1, 2, 3]> : tensor<3xi8>}> : () -> memref<2xi8>
  func.return
}

// -----

/// ... and its element type.
// CHECK: kernel.constant: value element type i32 differs from the memref's i8
func.func @f() {
  %0 = "kernel.constant"() <{value = dense<[1, 2]> : tensor<2xi32>}> : () -> memref<2xi8>
  func.return
}

// -----

/// conv2d: NHWC input, OHWI weight and NHWC output are 4-D.
// CHECK: kernel.conv2d: input must have rank 4, got 4x4x3
func.func @f(%x: memref<4x4x3xf32>, %w: memref<4x1x1x3xf32>, %y: memref<1x4x4x4xf32>) {
  kernel.conv2d %x, %w, %y {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64, fmin = 0.0 : f32, fmax = 6.0 : f32} : memref<4x4x3xf32>, memref<4x1x1x3xf32>, memref<1x4x4x4xf32>
  func.return
}

// -----

/// groups must divide both channel counts.
// CHECK: kernel.conv2d: groups=2 must divide input channels 3 and output channels 4
func.func @f(%x: memref<1x4x4x3xf32>, %w: memref<4x1x1x3xf32>, %y: memref<1x4x4x4xf32>) {
  kernel.conv2d %x, %w, %y {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 2 : i64, fmin = 0.0 : f32, fmax = 6.0 : f32} : memref<1x4x4x3xf32>, memref<4x1x1x3xf32>, memref<1x4x4x4xf32>
  func.return
}

// -----

/// The weight's input channels times groups are the input's channels.
// CHECK: kernel.conv2d: weight 4x1x1x1 expects 2 input channels (groups=2), input has 4
func.func @f(%x: memref<1x4x4x4xf32>, %w: memref<4x1x1x1xf32>, %y: memref<1x4x4x4xf32>) {
  kernel.conv2d %x, %w, %y {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 2 : i64, fmin = 0.0 : f32, fmax = 6.0 : f32} : memref<1x4x4x4xf32>, memref<4x1x1x1xf32>, memref<1x4x4x4xf32>
  func.return
}

// -----

/// Window properties: strides (and dilations, kernel) are two values >= 1 ...
// CHECK: kernel.conv2d: strides must be [h, w] with values >= 1, got [1]
func.func @f(%x: memref<1x4x4x3xf32>, %w: memref<4x1x1x3xf32>, %y: memref<1x4x4x4xf32>) {
  kernel.conv2d %x, %w, %y {strides = array<i64: 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64, fmin = 0.0 : f32, fmax = 6.0 : f32} : memref<1x4x4x3xf32>, memref<4x1x1x3xf32>, memref<1x4x4x4xf32>
  func.return
}

// -----

/// ... dilations too ...
// CHECK: kernel.conv2d: dilations must be [h, w] with values >= 1, got [0, 1]
func.func @f(%x: memref<1x4x4x3xf32>, %w: memref<4x1x1x3xf32>, %y: memref<1x4x4x4xf32>) {
  kernel.conv2d %x, %w, %y {strides = array<i64: 1, 1>, dilations = array<i64: 0, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64, fmin = 0.0 : f32, fmax = 6.0 : f32} : memref<1x4x4x3xf32>, memref<4x1x1x3xf32>, memref<1x4x4x4xf32>
  func.return
}

// -----

/// ... and padding four values >= 0.
// CHECK: kernel.conv2d: padding must be [top, left, bottom, right] with values >= 0, got [0, 0, 0]
func.func @f(%x: memref<1x4x4x3xf32>, %w: memref<4x1x1x3xf32>, %y: memref<1x4x4x4xf32>) {
  kernel.conv2d %x, %w, %y {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0>, groups = 1 : i64, fmin = 0.0 : f32, fmax = 6.0 : f32} : memref<1x4x4x3xf32>, memref<4x1x1x3xf32>, memref<1x4x4x4xf32>
  func.return
}

// -----

/// The window fits in the padded input.
// CHECK: kernel.conv2d: window 5x5 (dilation 1x1) does not fit the padded input 4x4
func.func @f(%x: memref<1x4x4x3xf32>, %w: memref<4x5x5x3xf32>, %y: memref<1x1x1x4xf32>) {
  kernel.conv2d %x, %w, %y {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64, fmin = 0.0 : f32, fmax = 6.0 : f32} : memref<1x4x4x3xf32>, memref<4x5x5x3xf32>, memref<1x1x1x4xf32>
  func.return
}

// -----

/// The output has the shape the window geometry gives.
// CHECK: kernel.conv2d: output has shape 1x8x8x4, expected 1x6x6x4
func.func @f(%x: memref<1x8x8x3xf32>, %w: memref<4x3x3x3xf32>, %y: memref<1x8x8x4xf32>) {
  kernel.conv2d %x, %w, %y {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64, fmin = 0.0 : f32, fmax = 6.0 : f32} : memref<1x8x8x3xf32>, memref<4x3x3x3xf32>, memref<1x8x8x4xf32>
  func.return
}

// -----

/// The bias has one value per output channel.
// CHECK: kernel.conv2d: bias must have shape 4, got 5
func.func @f(%x: memref<1x4x4x3xf32>, %w: memref<4x1x1x3xf32>, %b: memref<5xf32>, %y: memref<1x4x4x4xf32>) {
  kernel.conv2d %x, %w, %b, %y {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64, fmin = 0.0 : f32, fmax = 6.0 : f32} : memref<1x4x4x3xf32>, memref<4x1x1x3xf32>, memref<5xf32>, memref<1x4x4x4xf32>
  func.return
}

// -----

/// One multiplier and one shift per output channel.
// CHECK: kernel.conv2d: output_multiplier/output_shift need 2 values (one per output channel), got 1/2
func.func @f(%x: memref<1x4x4x3xi8>, %w: memref<2x1x1x3xi8>, %b: memref<2xi32>, %y: memref<1x4x4x2xi8>) {
  kernel.conv2d %x, %w, %b, %y {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64, input_offset = 128 : i64, output_offset = -128 : i64, output_multiplier = array<i32: 1073741824>, output_shift = array<i32: -1, -1>, qmin = -128 : i64, qmax = 127 : i64} : memref<1x4x4x3xi8>, memref<2x1x1x3xi8>, memref<2xi32>, memref<1x4x4x2xi8>
  func.return
}

// -----

/// depthwise_conv2d: the weight is [1, KH, KW, C*multiplier].
// CHECK: kernel.depthwise_conv2d: weight must be [1, KH, KW, C*multiplier] with C=2, got 1x3x3x3
func.func @f(%x: memref<1x4x4x2xf32>, %w: memref<1x3x3x3xf32>, %y: memref<1x4x4x3xf32>) {
  kernel.depthwise_conv2d %x, %w, %y {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, fmin = 0.0 : f32, fmax = 6.0 : f32} : memref<1x4x4x2xf32>, memref<1x3x3x3xf32>, memref<1x4x4x3xf32>
  func.return
}

// -----

/// fully_connected: the weight is [N, K] ...
// CHECK: kernel.fully_connected: weight must be [N, K], got 3x8x1
func.func @f(%x: memref<1x8xf32>, %w: memref<3x8x1xf32>, %y: memref<1x3xf32>) {
  kernel.fully_connected %x, %w, %y {fmin = 0.0 : f32, fmax = 6.0 : f32} : memref<1x8xf32>, memref<3x8x1xf32>, memref<1x3xf32>
  func.return
}

// -----

/// ... and K is the input's last dimension.
// CHECK: kernel.fully_connected: input 1x6 does not match weight 3x8 (K=8)
func.func @f(%x: memref<1x6xf32>, %w: memref<3x8xf32>, %y: memref<1x3xf32>) {
  kernel.fully_connected %x, %w, %y {fmin = 0.0 : f32, fmax = 6.0 : f32} : memref<1x6xf32>, memref<3x8xf32>, memref<1x3xf32>
  func.return
}

// -----

/// Pooling keeps the element type.
// CHECK: kernel.max_pool2d keeps the element type: i8 -> i16
func.func @f(%x: memref<1x8x8x4xi8>, %y: memref<1x4x4x4xi16>) {
  kernel.max_pool2d %x, %y {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>, qmin = -128 : i64, qmax = 127 : i64} : memref<1x8x8x4xi8>, memref<1x4x4x4xi16>
  func.return
}

// -----

/// mean: axes are within the input's rank ...
// CHECK: kernel.mean: axis 4 out of range for rank 4
func.func @f(%x: memref<1x4x4x8xf32>, %y: memref<1x8xf32>) {
  kernel.mean %x, %y {axes = array<i64: 1, 4>} : memref<1x4x4x8xf32>, memref<1x8xf32>
  func.return
}

// -----

/// ... the output drops or keeps (as 1) the reduced dimensions ...
// CHECK: kernel.mean: output 1x4 does not match reducing 1x4x4x8 over [1, 2] (1x1x1x8 or 1x8)
func.func @f(%x: memref<1x4x4x8xf32>, %y: memref<1x4xf32>) {
  kernel.mean %x, %y {axes = array<i64: 1, 2>} : memref<1x4x4x8xf32>, memref<1x4xf32>
  func.return
}

// -----

/// ... and is f32 exactly when the input is.
// CHECK: kernel.mean: input and output must both be f32 or both integer, got i8 -> f32
func.func @f(%x: memref<1x4x4x8xi8>, %y: memref<1x8xf32>) {
  kernel.mean %x, %y {axes = array<i64: 1, 2>} : memref<1x4x4x8xi8>, memref<1x8xf32>
  func.return
}

// -----

/// add/mul: the operands broadcast ...
// CHECK: kernel.add: 2x3 and 2 do not broadcast
func.func @f(%a: memref<2x3xf32>, %b: memref<2xf32>, %y: memref<2x3xf32>) {
  kernel.add %a, %b, %y {fmin = 0.0 : f32, fmax = 6.0 : f32} : memref<2x3xf32>, memref<2xf32>, memref<2x3xf32>
  func.return
}

// -----

/// ... to the output's shape ...
// CHECK: kernel.mul: output 3, broadcast gives 2x3
func.func @f(%a: memref<2x3xf32>, %b: memref<3xf32>, %y: memref<3xf32>) {
  kernel.mul %a, %b, %y {fmin = 0.0 : f32, fmax = 6.0 : f32} : memref<2x3xf32>, memref<3xf32>, memref<3xf32>
  func.return
}

// -----

/// ... and share the output's element type.
// CHECK: kernel.add: operands and output must share the element type, got f32, i32, f32
func.func @f(%a: memref<2x3xf32>, %b: memref<3xi32>, %y: memref<2x3xf32>) {
  kernel.add %a, %b, %y {fmin = 0.0 : f32, fmax = 6.0 : f32} : memref<2x3xf32>, memref<3xi32>, memref<2x3xf32>
  func.return
}

// -----

/// add: sign is 1 or -1.
// CHECK: kernel.add: sign must be 1 or -1, got 2
func.func @f(%a: memref<2x3xf32>, %b: memref<3xf32>, %y: memref<2x3xf32>) {
  kernel.add %a, %b, %y {sign = 2 : i64, fmin = 0.0 : f32, fmax = 6.0 : f32} : memref<2x3xf32>, memref<3xf32>, memref<2x3xf32>
  func.return
}

// -----

/// softmax keeps the shape ...
// CHECK: kernel.softmax keeps the shape: 1x10 -> 10
func.func @f(%x: memref<1x10xf32>, %y: memref<10xf32>) {
  kernel.softmax %x, %y {beta = 1.0 : f32} : memref<1x10xf32>, memref<10xf32>
  func.return
}

// -----

/// ... and is f32 exactly when the input is.
// CHECK: kernel.softmax: input and output must both be f32 or both integer, got i8 -> f32
func.func @f(%x: memref<1x10xi8>, %y: memref<1x10xf32>) {
  kernel.softmax %x, %y {beta = 1.0 : f32} : memref<1x10xi8>, memref<1x10xf32>
  func.return
}

// -----

/// clamp keeps shape and element type.
// CHECK: kernel.clamp keeps shape and element type: memref<4xi8> -> memref<4xi16>
func.func @f(%x: memref<4xi8>, %y: memref<4xi16>) {
  kernel.clamp %x, %y {qmin = -128 : i64, qmax = 127 : i64} : memref<4xi8>, memref<4xi16>
  func.return
}

// -----

/// requantize keeps the shape ...
// CHECK: kernel.requantize keeps the shape: 2x3 -> 3x2
func.func @f(%x: memref<2x3xi8>, %y: memref<3x2xi16>) {
  kernel.requantize %x, %y {input_offset = 3 : i64, output_offset = 0 : i64, multiplier = 1431655765 : i64, shift = 9 : i64, qmin = -32768 : i64, qmax = 32767 : i64} : memref<2x3xi8>, memref<3x2xi16>
  func.return
}

// -----

/// ... and maps integers to integers.
// CHECK: kernel.requantize maps integers to integers, got f32 -> i16
func.func @f(%x: memref<2x3xf32>, %y: memref<2x3xi16>) {
  kernel.requantize %x, %y {input_offset = 3 : i64, output_offset = 0 : i64, multiplier = 1431655765 : i64, shift = 9 : i64, qmin = -32768 : i64, qmax = 32767 : i64} : memref<2x3xf32>, memref<2x3xi16>
  func.return
}

// -----

/// quantize/dequantize: the scale is finite and positive.
// CHECK: kernel.quantize: scale must be finite and > 0, got 0.0
func.func @f(%x: memref<8xf32>, %y: memref<8xi8>) {
  kernel.quantize %x, %y {scale = 0.0 : f32, zero_point = 0 : i64} : memref<8xf32>, memref<8xi8>
  func.return
}

// -----

/// quantize maps f32 to integers ...
// CHECK: kernel.quantize maps f32 to an integer buffer of the same shape, got memref<8xi8> -> memref<8xi8>
func.func @f(%x: memref<8xi8>, %y: memref<8xi8>) {
  kernel.quantize %x, %y {scale = 0.5 : f32, zero_point = 0 : i64} : memref<8xi8>, memref<8xi8>
  func.return
}

// -----

/// ... dequantize integers to f32.
// CHECK: kernel.dequantize maps an integer buffer to f32 of the same shape, got memref<8xf32> -> memref<8xf32>
func.func @f(%x: memref<8xf32>, %y: memref<8xf32>) {
  kernel.dequantize %x, %y {scale = 0.5 : f32, zero_point = 0 : i64} : memref<8xf32>, memref<8xf32>
  func.return
}

// -----

/// copy: same number of elements, same element type.
// CHECK: kernel.copy needs buffers of the same size and element type, got memref<2x3xi8> -> memref<5xi8>
func.func @f(%x: memref<2x3xi8>, %y: memref<5xi8>) {
  kernel.copy %x, %y : memref<2x3xi8>, memref<5xi8>
  func.return
}

// -----

/// transpose: the output's dimensions are the input's permuted ...
// CHECK: kernel.transpose: 2x3 by [1, 0] is not 2x3
func.func @f(%x: memref<2x3xi8>, %y: memref<2x3xi8>) {
  kernel.transpose %x, %y {perm = array<i64: 1, 0>} : memref<2x3xi8>, memref<2x3xi8>
  func.return
}

// -----

/// ... and the element type stays.
// CHECK: kernel.transpose keeps the element type: i8 -> i16
func.func @f(%x: memref<2x3xi8>, %y: memref<3x2xi16>) {
  kernel.transpose %x, %y {perm = array<i64: 1, 0>} : memref<2x3xi8>, memref<3x2xi16>
  func.return
}

// -----

/// concat: at least one input besides the output ...
// CHECK: kernel.concat needs at least one input and the output, got 1 operand(s)
func.func @f(%y: memref<2x3xi8>) {
  kernel.concat %y {axis = 0 : i64} : memref<2x3xi8>
  func.return
}

// -----

/// ... an axis within the rank ...
// CHECK: kernel.concat: axis 2 out of range for rank 2
func.func @f(%a: memref<1x3xi8>, %y: memref<2x3xi8>) {
  kernel.concat %a, %a, %y {axis = 2 : i64} : memref<1x3xi8>, memref<1x3xi8>, memref<2x3xi8>
  func.return
}

// -----

/// ... inputs equal to the output but along the axis ...
// CHECK: kernel.concat: input #1 1x4 does not fit output 2x3 along axis 0
func.func @f(%a: memref<1x3xi8>, %b: memref<1x4xi8>, %y: memref<2x3xi8>) {
  kernel.concat %a, %b, %y {axis = 0 : i64} : memref<1x3xi8>, memref<1x4xi8>, memref<2x3xi8>
  func.return
}

// -----

/// ... of the output's element type ...
// CHECK: kernel.concat: input #1 has element type i16, output i8
func.func @f(%a: memref<1x3xi8>, %b: memref<1x3xi16>, %y: memref<2x3xi8>) {
  kernel.concat %a, %b, %y {axis = 0 : i64} : memref<1x3xi8>, memref<1x3xi16>, memref<2x3xi8>
  func.return
}

// -----

/// ... whose sizes along the axis add up to the output's.
// CHECK: kernel.concat sizes along axis 0 add up to 2, output has 3
func.func @f(%a: memref<1x3xi8>, %y: memref<3x3xi8>) {
  kernel.concat %a, %a, %y {axis = 0 : i64} : memref<1x3xi8>, memref<1x3xi8>, memref<3x3xi8>
  func.return
}

// -----

/// pad: the output is the input grown by the pads ...
// CHECK: kernel.pad: 2x2 padded by [0, 2, 1, 0] is not 3x3
func.func @f(%x: memref<2x2xf32>, %y: memref<3x3xf32>) {
  kernel.pad %x, %y {pads = array<i64: 0, 2, 1, 0>, fvalue = 0.0 : f32} : memref<2x2xf32>, memref<3x3xf32>
  func.return
}

// -----

/// ... with the element type kept.
// CHECK: kernel.pad keeps the element type: i8 -> i16
func.func @f(%x: memref<2x2xi8>, %y: memref<3x4xi16>) {
  kernel.pad %x, %y {pads = array<i64: 0, 2, 1, 0>, value = 0 : i64} : memref<2x2xi8>, memref<3x4xi16>
  func.return
}
