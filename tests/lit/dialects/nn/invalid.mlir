// RUN: edgeai-opt %s --split-input-file --verify-diagnostics | filecheck %s

/// Every verifier message of the `nn` dialect and its types, one case each.

// CHECK: !nn.q storage width must be 1..64 bits, got 80
func.func @f(%x: tensor<2x!nn.q<i80, 0.5:0>>) { func.return }

// -----

// CHECK: !nn.q<i1> is not a valid storage type
func.func @f(%x: tensor<2x!nn.q<i1, 0.5:0>>) { func.return }

// -----

// CHECK: !nn.q scale must be finite and > 0, got -0.5
func.func @f(%x: tensor<2x!nn.q<i8, -0.5:0>>) { func.return }

// -----

// CHECK: !nn.q zero point 300 outside the storage range [-128, 127]
func.func @f(%x: tensor<2x!nn.q<i8, 0.5:300>>) { func.return }

// -----

// CHECK: !nn.bin alpha must be finite and > 0, got 0.0
func.func @f(%x: tensor<2x!nn.bin<0.0>>) { func.return }

// -----

// CHECK: #nn.act bounds must satisfy lo <= hi, got [2.0, 1.0]
func.func @f(%x: tensor<2xf32>) {
  %0 = nn.relu %x {act = #nn.act<clamp 2.0, 1.0>} : (tensor<2xf32>) -> tensor<2xf32>
  func.return
}

// -----

// CHECK: quantization axis 3 out of range for rank 2
func.func @f(%x: tensor<2x2x!nn.q<i8:3, {0.5:0, 0.5:0}>>) {
  %0 = nn.relu %x : (tensor<2x2x!nn.q<i8:3, {0.5:0, 0.5:0}>>) -> tensor<2x2x!nn.q<i8:3, {0.5:0, 0.5:0}>>
  func.return
}

// -----

// CHECK: 3 quantization parameters for axis 0 of size 2
func.func @f() {
  %0 = nn.constant dense<1> : tensor<2x!nn.q<i8:0, {0.5:0, 0.5:0, 0.5:0}>>
  func.return
}

// -----

// CHECK: must have a static shape
func.func @f(%x: tensor<?x4xf32>) {
  %0 = nn.relu %x : (tensor<?x4xf32>) -> tensor<?x4xf32>
  func.return
}

// -----

// CHECK: stored values outside [0, 15]
func.func @f() {
  %0 = nn.constant dense<[1, 16]> : tensor<2x!nn.q<u4, 0.5:0>>
  func.return
}

// -----

// CHECK: !nn.bin constant values must be +1 or -1
func.func @f() {
  %0 = nn.constant dense<[1, 0]> : tensor<2x!nn.bin>
  func.return
}

// -----

// CHECK: value shape 3 does not match result shape 2
func.func @f() {
  %0 = "nn.constant"() <{value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>}> : () -> tensor<2xf32>
  func.return
}

// -----

// CHECK: value element type i32 is not the storage type i8
func.func @f() {
  %0 = "nn.constant"() <{value = dense<[1, 2]> : tensor<2xi32>}> : () -> tensor<2x!nn.q<i8, 0.5:0>>
  func.return
}

// -----

// CHECK: result #0 has shape 1x8x8x4, expected 1x6x6x4
func.func @f(%x: tensor<1x8x8x3xf32>, %w: tensor<4x3x3x3xf32>) {
  %0 = nn.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64} : (tensor<1x8x8x3xf32>, tensor<4x3x3x3xf32>) -> tensor<1x8x8x4xf32>
  func.return
}

// -----

// CHECK: unsupported element types (f32, !nn.q<i8, 0.5:0>) -> (f32)
func.func @f(%x: tensor<1x4x4x3xf32>, %w: tensor<4x1x1x3x!nn.q<i8, 0.5:0>>) {
  %0 = nn.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64} : (tensor<1x4x4x3xf32>, tensor<4x1x1x3x!nn.q<i8, 0.5:0>>) -> tensor<1x4x4x4xf32>
  func.return
}

// -----

// CHECK: bias must have shape 4, got 5
func.func @f(%x: tensor<1x4x4x3xf32>, %w: tensor<4x1x1x3xf32>, %b: tensor<5xf32>) {
  %0 = nn.conv2d %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64} : (tensor<1x4x4x3xf32>, tensor<4x1x1x3xf32>, tensor<5xf32>) -> tensor<1x4x4x4xf32>
  func.return
}

// -----

// CHECK: an accumulator (integer) result cannot carry a fused activation
func.func @f(%x: tensor<1x4x4x3x!nn.q<i8, 0.5:0>>, %w: tensor<4x1x1x3x!nn.q<i8, 0.5:0>>) {
  %0 = nn.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64, act = #nn.act<relu>} : (tensor<1x4x4x3x!nn.q<i8, 0.5:0>>, tensor<4x1x1x3x!nn.q<i8, 0.5:0>>) -> tensor<1x4x4x4xi32>
  func.return
}

// -----

// CHECK: the input of a quantized convolution must be quantized per tensor
func.func @f(%x: tensor<1x1x1x3x!nn.q<i8:3, {0.5:0, 0.5:0, 0.5:0}>>, %w: tensor<4x1x1x3x!nn.q<i8, 0.5:0>>) {
  %0 = nn.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64} : (tensor<1x1x1x3x!nn.q<i8:3, {0.5:0, 0.5:0, 0.5:0}>>, tensor<4x1x1x3x!nn.q<i8, 0.5:0>>) -> tensor<1x1x1x4xi32>
  func.return
}

// -----

// CHECK: per-channel weights must be quantized along axis 0
func.func @f(%x: tensor<1x1x1x3x!nn.q<i8, 0.5:0>>, %w: tensor<4x1x1x3x!nn.q<i8:3, {0.5:0, 0.5:0, 0.5:0}>>) {
  %0 = nn.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64} : (tensor<1x1x1x3x!nn.q<i8, 0.5:0>>, tensor<4x1x1x3x!nn.q<i8:3, {0.5:0, 0.5:0, 0.5:0}>>) -> tensor<1x1x1x4xi32>
  func.return
}

// -----

// CHECK: groups=2 must divide input channels 3 and output channels 4
func.func @f(%x: tensor<1x4x4x3xf32>, %w: tensor<4x1x1x3xf32>) {
  %0 = nn.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 2 : i64} : (tensor<1x4x4x3xf32>, tensor<4x1x1x3xf32>) -> tensor<1x4x4x4xf32>
  func.return
}

// -----

// CHECK: weight expects 2 input channels (groups=1), input has 3
func.func @f(%x: tensor<1x4x4x3xf32>, %w: tensor<4x1x1x2xf32>) {
  %0 = nn.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64} : (tensor<1x4x4x3xf32>, tensor<4x1x1x2xf32>) -> tensor<1x4x4x4xf32>
  func.return
}

// -----

// CHECK: input must have rank 4, got 4x4x3
func.func @f(%x: tensor<4x4x3xf32>, %w: tensor<4x1x1x3xf32>) {
  %0 = nn.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64} : (tensor<4x4x3xf32>, tensor<4x1x1x3xf32>) -> tensor<1x4x4x4xf32>
  func.return
}

// -----

// CHECK: padding must be >= 0, got [-1, 0, 0, 0]
func.func @f(%x: tensor<1x4x4x3xf32>, %w: tensor<4x1x1x3xf32>) {
  %0 = nn.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: -1, 0, 0, 0>, groups = 1 : i64} : (tensor<1x4x4x3xf32>, tensor<4x1x1x3xf32>) -> tensor<1x3x4x4xf32>
  func.return
}

// -----

// CHECK: kernel 1, stride 0, dilation 1 must be >= 1
func.func @f(%x: tensor<1x4x4x3xf32>, %w: tensor<4x1x1x3xf32>) {
  %0 = nn.conv2d %x, %w {strides = array<i64: 0, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64} : (tensor<1x4x4x3xf32>, tensor<4x1x1x3xf32>) -> tensor<1x4x4x4xf32>
  func.return
}

// -----

// CHECK: window of extent 5 larger than padded input 4
func.func @f(%x: tensor<1x4x4x3xf32>, %w: tensor<4x5x5x3xf32>) {
  %0 = nn.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64} : (tensor<1x4x4x3xf32>, tensor<4x5x5x3xf32>) -> tensor<1x1x1x4xf32>
  func.return
}

// -----

// CHECK: depthwise weight must be [1, KH, KW, C*multiplier] with C=3, got 1x3x3x4
func.func @f(%x: tensor<1x4x4x3xf32>, %w: tensor<1x3x3x4xf32>) {
  %0 = nn.depthwise_conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>} : (tensor<1x4x4x3xf32>, tensor<1x3x3x4xf32>) -> tensor<1x4x4x4xf32>
  func.return
}

// -----

// CHECK: top/left padding of a transposed conv must be >= 0
func.func @f(%x: tensor<1x4x4x3xf32>, %w: tensor<2x3x3x3xf32>) {
  %0 = nn.conv2d_transpose %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: -1, 0, 0, 0>, groups = 1 : i64} : (tensor<1x4x4x3xf32>, tensor<2x3x3x3xf32>) -> tensor<1x7x6x2xf32>
  func.return
}

// -----

// CHECK: input 2x8 does not match weight 4x6 (K=6)
func.func @f(%x: tensor<2x8xf32>, %w: tensor<4x6xf32>) {
  %0 = nn.dense %x, %w : (tensor<2x8xf32>, tensor<4x6xf32>) -> tensor<2x4xf32>
  func.return
}

// -----

// CHECK: matmul inner dimensions differ: 2x3 x 4x5
func.func @f(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  %0 = nn.matmul %a, %b : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  func.return
}

// -----

// CHECK: shapes 2x3, 4 are not broadcastable
func.func @f(%a: tensor<2x3xf32>, %b: tensor<4xf32>) {
  %0 = nn.add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  func.return
}

// -----

// CHECK: integer operands and result must have the same element type, got i32 and i8
func.func @f(%a: tensor<2xi32>, %b: tensor<2xi8>) {
  %0 = nn.add %a, %b : (tensor<2xi32>, tensor<2xi8>) -> tensor<2xi32>
  func.return
}

// -----

// CHECK: rounding must be 'tflite' or 'onnx', got 'nearest'
func.func @f(%a: tensor<2xf32>) {
  %0 = nn.add %a, %a {rounding = "nearest"} : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  func.return
}

// -----

// CHECK: slope 3 must broadcast to input 2x1
func.func @f(%a: tensor<2x1xf32>, %s: tensor<3xf32>) {
  %0 = nn.prelu %a, %s : (tensor<2x1xf32>, tensor<3xf32>) -> tensor<2x1xf32>
  func.return
}

// -----

// CHECK: axis 2 out of range for rank 2
func.func @f(%a: tensor<2x2xf32>) {
  %0 = nn.softmax %a {axis = 2 : i64} : (tensor<2x2xf32>) -> tensor<2x2xf32>
  func.return
}

// -----

// CHECK: counted_padding [1, 1, 1, 1] exceeds padding [0, 0, 1, 1]
func.func @f(%x: tensor<1x4x4x3xf32>) {
  %0 = nn.avg_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 1, 1>, count_include_pad = 1 : i64, counted_padding = array<i64: 1, 1, 1, 1>} : (tensor<1x4x4x3xf32>) -> tensor<1x2x2x3xf32>
  func.return
}

// -----

// CHECK: reduction axes must be unique
func.func @f(%x: tensor<2x3xf32>) {
  %0 = nn.reduce_sum %x {axes = array<i64: 1, -1>, keepdims = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x1xf32>
  func.return
}

// -----

// CHECK: batch_norm parameters must have shape 3, got 4
func.func @f(%x: tensor<2x3xf32>, %p: tensor<3xf32>, %q: tensor<4xf32>) {
  %0 = nn.batch_norm %x, %p, %p, %p, %q {epsilon = 0.001 : f32} : (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  func.return
}

// -----

// CHECK: concat operands 2x3 and 3x3 differ off axis 1
func.func @f(%a: tensor<2x3xf32>, %b: tensor<3x3xf32>) {
  %0 = nn.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<3x3xf32>) -> tensor<2x6xf32>
  func.return
}

// -----

// CHECK: concat operands and result must all be f32, all quantized or all integer
func.func @f(%a: tensor<2xf32>, %b: tensor<2x!nn.q<i8, 0.5:0>>) {
  %0 = nn.concat %a, %b {axis = 0 : i64} : (tensor<2xf32>, tensor<2x!nn.q<i8, 0.5:0>>) -> tensor<4xf32>
  func.return
}

// -----

// CHECK: reshape from 2x3 to 7 changes the element count
func.func @f(%a: tensor<2x3xf32>) {
  %0 = nn.reshape %a : (tensor<2x3xf32>) -> tensor<7xf32>
  func.return
}

// -----

// CHECK: perm [0, 0] is not a permutation of 2 dimensions
func.func @f(%a: tensor<2x3xf32>) {
  %0 = nn.transpose %a {perm = array<i64: 0, 0>} : (tensor<2x3xf32>) -> tensor<2x2xf32>
  func.return
}

// -----

// CHECK: result element type !nn.q<i8:0, {0.5:0, 0.25:0}> must be !nn.q<i8:1, {0.5:0, 0.25:0}>
func.func @f(%a: tensor<2x2x!nn.q<i8:0, {0.5:0, 0.25:0}>>) {
  %0 = nn.transpose %a {perm = array<i64: 1, 0>} : (tensor<2x2x!nn.q<i8:0, {0.5:0, 0.25:0}>>) -> tensor<2x2x!nn.q<i8:0, {0.5:0, 0.25:0}>>
  func.return
}

// -----

// CHECK: pads must have 4 values for rank 2, got 2
func.func @f(%a: tensor<2x3xf32>) {
  %0 = nn.pad %a {pads = array<i64: 1, 1>, mode = "constant", value = 0.0 : f32} : (tensor<2x3xf32>) -> tensor<3x4xf32>
  func.return
}

// -----

// CHECK: pad mode must be constant, reflect or edge, got 'wrap'
func.func @f(%a: tensor<2x3xf32>) {
  %0 = nn.pad %a {pads = array<i64: 0, 0, 0, 0>, mode = "wrap", value = 0.0 : f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return
}

// -----

// CHECK: slice step must not be 0
func.func @f(%a: tensor<4xf32>) {
  %0 = nn.slice %a {starts = array<i64: 0>, ends = array<i64: 4>, steps = array<i64: 0>} : (tensor<4xf32>) -> tensor<4xf32>
  func.return
}

// -----

// CHECK: slice bounds start=0, end=9 not normalized for size 4
func.func @f(%a: tensor<4xf32>) {
  %0 = nn.slice %a {starts = array<i64: 0>, ends = array<i64: 9>, steps = array<i64: 1>} : (tensor<4xf32>) -> tensor<4xf32>
  func.return
}

// -----

// CHECK: split sizes add up to 3, input has 4 along axis 0
func.func @f(%a: tensor<4xf32>) {
  %0, %1 = nn.split %a {axis = 0 : i64} : (tensor<4xf32>) -> (tensor<1xf32>, tensor<2xf32>)
  func.return
}

// -----

// CHECK: gather indices out of range for size 4
func.func @f(%a: tensor<4xf32>) {
  %0 = nn.gather %a {axis = 0 : i64, indices = dense<[4]> : tensor<1xi64>} : (tensor<4xf32>) -> tensor<1xf32>
  func.return
}

// -----

// CHECK: resize mode must be one of nearest, linear
func.func @f(%a: tensor<1x2x2x1xf32>) {
  %0 = nn.resize %a {mode = "cubic", coordinate_mode = "half_pixel", nearest_mode = "floor", scales = array<f64: 1.0, 2.0, 2.0, 1.0>} : (tensor<1x2x2x1xf32>) -> tensor<1x4x4x1xf32>
  func.return
}

// -----

// CHECK: resize needs one scale per dimension and an output of the same rank
func.func @f(%a: tensor<1x2x2x1xf32>) {
  %0 = nn.resize %a {mode = "nearest", coordinate_mode = "asymmetric", nearest_mode = "floor", scales = array<f64: 2.0, 2.0>} : (tensor<1x2x2x1xf32>) -> tensor<1x4x4x1xf32>
  func.return
}

// -----

// CHECK: unsupported element types (!nn.q<i8, 0.5:0>) -> (f32); accepted kinds: f->q, f->b
func.func @f(%a: tensor<2x!nn.q<i8, 0.5:0>>) {
  %0 = nn.quantize %a : (tensor<2x!nn.q<i8, 0.5:0>>) -> tensor<2xf32>
  func.return
}

// -----

// CHECK: storage_cast between different storage types int8 and int16
func.func @f(%a: tensor<2xi8>) {
  %0 = nn.storage_cast %a : (tensor<2xi8>) -> tensor<2x!nn.q<i16, 0.5:0>>
  func.return
}

// -----

// CHECK: padding must be [top, left, bottom, right], got 2 values
func.func @f(%x: tensor<1x4x4x3xf32>, %w: tensor<4x1x1x3xf32>) {
  %0 = nn.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0>, groups = 1 : i64} : (tensor<1x4x4x3xf32>, tensor<4x1x1x3xf32>) -> tensor<1x4x4x4xf32>
  func.return
}

// -----

// CHECK: the result of a quantized convolution must be quantized per tensor
func.func @f(%x: tensor<1x1x1x3x!nn.q<i8, 0.5:0>>, %w: tensor<2x1x1x3x!nn.q<i8, 0.5:0>>) {
  %0 = nn.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64} : (tensor<1x1x1x3x!nn.q<i8, 0.5:0>>, tensor<2x1x1x3x!nn.q<i8, 0.5:0>>) -> tensor<1x1x1x2x!nn.q<i8:3, {0.5:0, 0.5:0}>>
  func.return
}

// -----

// CHECK: transposed conv output 0x1 is empty
func.func @f(%x: tensor<1x1x1x3xf32>, %w: tensor<2x1x1x3xf32>) {
  %0 = nn.conv2d_transpose %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 0, 0, 0>, groups = 1 : i64} : (tensor<1x1x1x3xf32>, tensor<2x1x1x3xf32>) -> tensor<1x1x1x2xf32>
  func.return
}

// -----

// CHECK: matmul operands must have rank >= 1
func.func @f(%a: tensor<f32>, %b: tensor<2xf32>) {
  %0 = nn.matmul %a, %b : (tensor<f32>, tensor<2xf32>) -> tensor<f32>
  func.return
}

// -----

// CHECK: clamp bounds must not be NaN
func.func @f(%a: tensor<2xf32>) {
  %0 = nn.clamp %a {min = 0x7FC00000 : f32, max = 1.0 : f32} : (tensor<2xf32>) -> tensor<2xf32>
  func.return
}

// -----

// CHECK: batch_norm input must have rank >= 1
func.func @f(%x: tensor<f32>, %p: tensor<1xf32>) {
  %0 = nn.batch_norm %x, %p, %p, %p, %p {epsilon = 0.001 : f32} : (tensor<f32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<f32>
  func.return
}

// -----

// CHECK: concat needs at least one operand
func.func @f() {
  %0 = nn.concat {axis = 0 : i64} : () -> tensor<2xf32>
  func.return
}

// -----

// CHECK: concat supports per-tensor quantization only
func.func @f(%a: tensor<2x!nn.q<i8:0, {0.5:0, 0.5:0}>>) {
  %0 = nn.concat %a, %a {axis = 0 : i64} : (tensor<2x!nn.q<i8:0, {0.5:0, 0.5:0}>>, tensor<2x!nn.q<i8:0, {0.5:0, 0.5:0}>>) -> tensor<4x!nn.q<i8, 0.5:0>>
  func.return
}

// -----

// CHECK: padding gives a negative dimension: (-1,)
func.func @f(%a: tensor<2xf32>) {
  %0 = nn.pad %a {pads = array<i64: -2, -1>, mode = "constant", value = 0.0 : f32} : (tensor<2xf32>) -> tensor<0xf32>
  func.return
}

// -----

// CHECK: starts/ends/steps must have 2 values each
func.func @f(%a: tensor<2x2xf32>) {
  %0 = nn.slice %a {starts = array<i64: 0>, ends = array<i64: 1>, steps = array<i64: 1>} : (tensor<2x2xf32>) -> tensor<1x2xf32>
  func.return
}

// -----

// CHECK: split result 3x2 does not match input 2x2 off axis 1
func.func @f(%a: tensor<2x2xf32>) {
  %0, %1 = nn.split %a {axis = 1 : i64} : (tensor<2x2xf32>) -> (tensor<3x2xf32>, tensor<2x0xf32>)
  func.return
}

// -----

// CHECK: gather indices must be integers
func.func @f(%a: tensor<4xf32>) {
  %0 = nn.gather %a {axis = 0 : i64, indices = dense<[1.0]> : tensor<1xf32>} : (tensor<4xf32>) -> tensor<1xf32>
  func.return
}

// -----

// CHECK: unknown coordinate_mode 'corner'
func.func @f(%a: tensor<1x2x2x1xf32>) {
  %0 = nn.resize %a {mode = "nearest", coordinate_mode = "corner", nearest_mode = "floor", scales = array<f64: 1.0, 2.0, 2.0, 1.0>} : (tensor<1x2x2x1xf32>) -> tensor<1x4x4x1xf32>
  func.return
}

// -----

// CHECK: unknown nearest_mode 'up'
func.func @f(%a: tensor<1x2x2x1xf32>) {
  %0 = nn.resize %a {mode = "nearest", coordinate_mode = "asymmetric", nearest_mode = "up", scales = array<f64: 1.0, 2.0, 2.0, 1.0>} : (tensor<1x2x2x1xf32>) -> tensor<1x4x4x1xf32>
  func.return
}

// -----

// CHECK: resize scales must be > 0
func.func @f(%a: tensor<1x2x2x1xf32>) {
  %0 = nn.resize %a {mode = "nearest", coordinate_mode = "asymmetric", nearest_mode = "floor", scales = array<f64: 1.0, -2.0, 2.0, 1.0>} : (tensor<1x2x2x1xf32>) -> tensor<1x4x4x1xf32>
  func.return
}

// -----

// CHECK: storage_cast needs integer, quantized or binary types, got f32 -> !nn.q<i8, 0.5:0>
func.func @f(%a: tensor<2xf32>) {
  %0 = nn.storage_cast %a : (tensor<2xf32>) -> tensor<2x!nn.q<i8, 0.5:0>>
  func.return
}

// -----

// CHECK: unknown attribute 'alhpa' for nn.leaky_relu
func.func @f(%a: tensor<2xf32>) {
  %0 = nn.leaky_relu %a {alpha = 0.1 : f32, alhpa = 0.2 : f32} : (tensor<2xf32>) -> tensor<2xf32>
  func.return
}

// -----

// CHECK: thresholds must have shape 3 (one per channel), got 2
func.func @f(%a: tensor<1x3xi32>, %t: tensor<2xi32>) {
  %0 = nn.threshold %a, %t : (tensor<1x3xi32>, tensor<2xi32>) -> tensor<1x3x!nn.bin>
  func.return
}

// -----

// CHECK: direction must have 3 values, got 2
func.func @f(%a: tensor<1x3xi32>, %t: tensor<3xi32>) {
  %0 = nn.threshold %a, %t {direction = array<i8: 1, -1>} : (tensor<1x3xi32>, tensor<3xi32>) -> tensor<1x3x!nn.bin>
  func.return
}

// -----

// CHECK: direction values must be 1 (>=) or -1 (<=)
func.func @f(%a: tensor<1x2xi32>, %t: tensor<2xi32>) {
  %0 = nn.threshold %a, %t {direction = array<i8: 1, 0>} : (tensor<1x2xi32>, tensor<2xi32>) -> tensor<1x2x!nn.bin>
  func.return
}

// -----

// CHECK: unsupported element types (f32, i32) -> (!nn.bin); accepted kinds: ii->b
func.func @f(%a: tensor<1x2xf32>, %t: tensor<2xi32>) {
  %0 = nn.threshold %a, %t : (tensor<1x2xf32>, tensor<2xi32>) -> tensor<1x2x!nn.bin>
  func.return
}

// -----

// CHECK: a per-axis binary result must be scaled along the last axis
func.func @f(%a: tensor<2x2xi32>, %t: tensor<2xi32>) {
  %0 = nn.threshold %a, %t : (tensor<2x2xi32>, tensor<2xi32>) -> tensor<2x2x!nn.bin<:0, {0.5, 0.25}>>
  func.return
}

// -----

// CHECK: narrow applies to quantized (!nn.q) results only
func.func @f(%a: tensor<2xf32>) {
  %0 = nn.quantize %a {narrow = true} : (tensor<2xf32>) -> tensor<2x!nn.bin>
  func.return
}

// -----

// CHECK: rounding must be 'tflite', 'onnx' or one of qonnx_half_even, qonnx_floor, qonnx_ceil, qonnx_up, qonnx_down, qonnx_half_up, qonnx_half_down, got 'round'
func.func @f(%a: tensor<2xf32>) {
  %0 = nn.quantize %a {rounding = "round"} : (tensor<2xf32>) -> tensor<2x!nn.q<i8, 0.5:0>>
  func.return
}

// -----

// CHECK: the input of a binary convolution must be binary per tensor
func.func @f(%x: tensor<1x2x!nn.bin<:1, {0.5, 0.25}>>, %w: tensor<3x2x!nn.bin>) {
  %0 = nn.dense %x, %w : (tensor<1x2x!nn.bin<:1, {0.5, 0.25}>>, tensor<3x2x!nn.bin>) -> tensor<1x3xi32>
  func.return
}

// -----

// CHECK: per-channel weights must be quantized along axis 0
func.func @f(%x: tensor<1x2x!nn.bin>, %w: tensor<3x2x!nn.bin<:1, {0.5, 0.25}>>) {
  %0 = nn.dense %x, %w : (tensor<1x2x!nn.bin>, tensor<3x2x!nn.bin<:1, {0.5, 0.25}>>) -> tensor<1x3xi32>
  func.return
}

// -----

// CHECK: unsupported element types (!nn.bin, !nn.bin) -> (i32); accepted kinds: fff->f, ff->f, qqq->q, qq->q, qqq->i, qq->i, qqi->q, qqi->i
func.func @f(%x: tensor<1x2x2x1x!nn.bin>, %w: tensor<1x1x1x1x!nn.bin>) {
  %0 = nn.conv2d_transpose %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64} : (tensor<1x2x2x1x!nn.bin>, tensor<1x1x1x1x!nn.bin>) -> tensor<1x2x2x1xi32>
  func.return
}

// -----

// CHECK: unsupported element types (!nn.bin, f32) -> (f32)
func.func @f(%x: tensor<1x2x!nn.bin>, %w: tensor<3x2xf32>) {
  %0 = nn.dense %x, %w : (tensor<1x2x!nn.bin>, tensor<3x2xf32>) -> tensor<1x3xf32>
  func.return
}

// -----

// CHECK: threshold input must have rank >= 1
func.func @f(%a: tensor<i32>, %t: tensor<1xi32>) {
  %0 = nn.threshold %a, %t : (tensor<i32>, tensor<1xi32>) -> tensor<!nn.bin>
  func.return
}
