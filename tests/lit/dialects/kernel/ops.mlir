// RUN: edgeai-opt %s --split-input-file | filecheck %s
// RUN: edgeai-opt %s --split-input-file --print-op-generic | edgeai-opt --split-input-file | filecheck %s

/// Every `kernel` op, in each of its forms (quantized with its TFLite integer parameters, float
/// with its clamp range) and with its optional parts (bias, `variant`, `sign`, `layer`), prints
/// in its custom form and parses back unchanged, also through the generic form. Buffers are
/// function arguments here; `mem` ops have their own file (../mem/ops.mlir).

/// Constants: integer and float values, hex form (inf, -inf), splat, a `layer` name.
// CHECK-LABEL: func.func @constants(
// CHECK-NEXT:    %0 = kernel.constant dense<[1, -2, 3]> : memref<3xi8>
// CHECK-NEXT:    %1 = kernel.constant dense<[1.5, -2.0, 0.25, 1.0e-45]> {layer = "w"} : memref<4xf32>
// CHECK-NEXT:    %2 = kernel.constant dense<"0x0000807F000080FF"> : memref<2xf32>
// CHECK-NEXT:    %3 = kernel.constant dense<7> : memref<2x3xi32>
// CHECK-NEXT:    func.return
func.func @constants() {
  %0 = kernel.constant dense<[1, -2, 3]> : memref<3xi8>
  %1 = kernel.constant dense<[1.5, -2.0, 0.25, 1.0e-45]> {layer = "w"} : memref<4xf32>
  %2 = kernel.constant dense<"0x0000807F000080FF"> : memref<2xf32>
  %3 = kernel.constant dense<7> : memref<2x3xi32>
  func.return
}

// -----

/// conv2d: int8 with per-channel requantization, bias and `layer`; grouped float 1x1 without
/// bias with a `variant`; 16x8 (int16 activations, int8 weights, int64 bias) with dilation.
// CHECK-LABEL: func.func @conv2d(
// CHECK-NEXT:    kernel.conv2d %x, %w, %b, %y {layer = "c1", strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, groups = 1 : i64, input_offset = 128 : i64, output_offset = -128 : i64, output_multiplier = array<i32: 1242405367, 1572401305, 1958940506>, output_shift = array<i32: -8, -10, -9>, qmin = -128 : i64, qmax = 127 : i64} : memref<1x4x4x2xi8>, memref<3x3x3x2xi8>, memref<3xi32>, memref<1x2x2x3xi8>
// CHECK-NEXT:    kernel.conv2d %xf, %wf, %yf {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 2 : i64, fmin = 0.0 : f32, fmax = 6.0 : f32, variant = "1x1"} : memref<1x4x4x4xf32>, memref<2x1x1x2xf32>, memref<1x4x4x2xf32>
// CHECK-NEXT:    kernel.conv2d %x16, %w16, %b16, %y16 {strides = array<i64: 1, 1>, dilations = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64, input_offset = 0 : i64, output_offset = 0 : i64, output_multiplier = array<i32: 1073741824>, output_shift = array<i32: -3>, qmin = -32768 : i64, qmax = 32767 : i64} : memref<1x5x5x1xi16>, memref<1x3x3x1xi8>, memref<1xi64>, memref<1x1x1x1xi16>
// CHECK-NEXT:    func.return
func.func @conv2d(%x: memref<1x4x4x2xi8>, %w: memref<3x3x3x2xi8>, %b: memref<3xi32>, %y: memref<1x2x2x3xi8>,
                  %xf: memref<1x4x4x4xf32>, %wf: memref<2x1x1x2xf32>, %yf: memref<1x4x4x2xf32>,
                  %x16: memref<1x5x5x1xi16>, %w16: memref<1x3x3x1xi8>, %b16: memref<1xi64>, %y16: memref<1x1x1x1xi16>) {
  kernel.conv2d %x, %w, %b, %y {layer = "c1", strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, groups = 1 : i64, input_offset = 128 : i64, output_offset = -128 : i64, output_multiplier = array<i32: 1242405367, 1572401305, 1958940506>, output_shift = array<i32: -8, -10, -9>, qmin = -128 : i64, qmax = 127 : i64} : memref<1x4x4x2xi8>, memref<3x3x3x2xi8>, memref<3xi32>, memref<1x2x2x3xi8>
  kernel.conv2d %xf, %wf, %yf {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 2 : i64, fmin = 0.0 : f32, fmax = 6.0 : f32, variant = "1x1"} : memref<1x4x4x4xf32>, memref<2x1x1x2xf32>, memref<1x4x4x2xf32>
  kernel.conv2d %x16, %w16, %b16, %y16 {strides = array<i64: 1, 1>, dilations = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64, input_offset = 0 : i64, output_offset = 0 : i64, output_multiplier = array<i32: 1073741824>, output_shift = array<i32: -3>, qmin = -32768 : i64, qmax = 32767 : i64} : memref<1x5x5x1xi16>, memref<1x3x3x1xi8>, memref<1xi64>, memref<1x1x1x1xi16>
  func.return
}

// -----

/// depthwise_conv2d: int8 with channel multiplier 2 and bias; float, strided, no bias.
// CHECK-LABEL: func.func @depthwise_conv2d(
// CHECK-NEXT:    kernel.depthwise_conv2d %x, %w, %b, %y {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, input_offset = 1 : i64, output_offset = -3 : i64, output_multiplier = array<i32: 1073741824, 1073741824, 2147483647, 1500000000>, output_shift = array<i32: 0, -1, -2, 1>, qmin = -128 : i64, qmax = 127 : i64} : memref<1x4x4x2xi8>, memref<1x3x3x4xi8>, memref<4xi32>, memref<1x4x4x4xi8>
// CHECK-NEXT:    kernel.depthwise_conv2d %xf, %wf, %yf {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, fmin = -3.4028235e+38 : f32, fmax = 3.4028235e+38 : f32} : memref<1x5x5x3xf32>, memref<1x3x3x3xf32>, memref<1x2x2x3xf32>
// CHECK-NEXT:    func.return
func.func @depthwise_conv2d(%x: memref<1x4x4x2xi8>, %w: memref<1x3x3x4xi8>, %b: memref<4xi32>, %y: memref<1x4x4x4xi8>,
                            %xf: memref<1x5x5x3xf32>, %wf: memref<1x3x3x3xf32>, %yf: memref<1x2x2x3xf32>) {
  kernel.depthwise_conv2d %x, %w, %b, %y {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, input_offset = 1 : i64, output_offset = -3 : i64, output_multiplier = array<i32: 1073741824, 1073741824, 2147483647, 1500000000>, output_shift = array<i32: 0, -1, -2, 1>, qmin = -128 : i64, qmax = 127 : i64} : memref<1x4x4x2xi8>, memref<1x3x3x4xi8>, memref<4xi32>, memref<1x4x4x4xi8>
  kernel.depthwise_conv2d %xf, %wf, %yf {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, fmin = -3.4028235e+38 : f32, fmax = 3.4028235e+38 : f32} : memref<1x5x5x3xf32>, memref<1x3x3x3xf32>, memref<1x2x2x3xf32>
  func.return
}

// -----

/// fully_connected: int8 with bias and `variant`; float with leading batch dimensions.
// CHECK-LABEL: func.func @fully_connected(
// CHECK-NEXT:    kernel.fully_connected %x, %w, %b, %y {layer = "fc", input_offset = 128 : i64, output_offset = 24 : i64, output_multiplier = array<i32: 1552512760, 1552512760, 1552512760>, output_shift = array<i32: -5, -5, -5>, qmin = -128 : i64, qmax = 127 : i64, variant = "dsp"} : memref<1x8xi8>, memref<3x8xi8>, memref<3xi32>, memref<1x3xi8>
// CHECK-NEXT:    kernel.fully_connected %xf, %wf, %yf {fmin = 0.0 : f32, fmax = 3.4028235e+38 : f32} : memref<2x5x4xf32>, memref<6x4xf32>, memref<2x5x6xf32>
// CHECK-NEXT:    func.return
func.func @fully_connected(%x: memref<1x8xi8>, %w: memref<3x8xi8>, %b: memref<3xi32>, %y: memref<1x3xi8>,
                           %xf: memref<2x5x4xf32>, %wf: memref<6x4xf32>, %yf: memref<2x5x6xf32>) {
  kernel.fully_connected %x, %w, %b, %y {layer = "fc", input_offset = 128 : i64, output_offset = 24 : i64, output_multiplier = array<i32: 1552512760, 1552512760, 1552512760>, output_shift = array<i32: -5, -5, -5>, qmin = -128 : i64, qmax = 127 : i64, variant = "dsp"} : memref<1x8xi8>, memref<3x8xi8>, memref<3xi32>, memref<1x3xi8>
  kernel.fully_connected %xf, %wf, %yf {fmin = 0.0 : f32, fmax = 3.4028235e+38 : f32} : memref<2x5x4xf32>, memref<6x4xf32>, memref<2x5x6xf32>
  func.return
}

// -----

/// avg_pool2d and max_pool2d, quantized (qmin/qmax) and float (fmin/fmax, padded).
// CHECK-LABEL: func.func @pooling(
// CHECK-NEXT:    kernel.avg_pool2d %x, %y {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>, qmin = -128 : i64, qmax = 127 : i64} : memref<1x8x8x4xi8>, memref<1x4x4x4xi8>
// CHECK-NEXT:    kernel.avg_pool2d %xf, %yf {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>, fmin = -3.4028235e+38 : f32, fmax = 3.4028235e+38 : f32, variant = "generic"} : memref<1x5x5x2xf32>, memref<1x3x3x2xf32>
// CHECK-NEXT:    kernel.max_pool2d %x, %y {layer = "pool", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>, qmin = -128 : i64, qmax = 127 : i64} : memref<1x8x8x4xi8>, memref<1x4x4x4xi8>
// CHECK-NEXT:    kernel.max_pool2d %xf, %yf {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>, fmin = 0.0 : f32, fmax = 6.0 : f32} : memref<1x5x5x2xf32>, memref<1x3x3x2xf32>
// CHECK-NEXT:    func.return
func.func @pooling(%x: memref<1x8x8x4xi8>, %y: memref<1x4x4x4xi8>, %xf: memref<1x5x5x2xf32>, %yf: memref<1x3x3x2xf32>) {
  kernel.avg_pool2d %x, %y {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>, qmin = -128 : i64, qmax = 127 : i64} : memref<1x8x8x4xi8>, memref<1x4x4x4xi8>
  kernel.avg_pool2d %xf, %yf {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>, fmin = -3.4028235e+38 : f32, fmax = 3.4028235e+38 : f32, variant = "generic"} : memref<1x5x5x2xf32>, memref<1x3x3x2xf32>
  kernel.max_pool2d %x, %y {layer = "pool", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>, qmin = -128 : i64, qmax = 127 : i64} : memref<1x8x8x4xi8>, memref<1x4x4x4xi8>
  kernel.max_pool2d %xf, %yf {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>, fmin = 0.0 : f32, fmax = 6.0 : f32} : memref<1x5x5x2xf32>, memref<1x3x3x2xf32>
  func.return
}

// -----

/// mean: quantized (TFLM MEAN parameters, kept dimensions); float (dropped dimensions,
/// a negative axis).
// CHECK-LABEL: func.func @mean(
// CHECK-NEXT:    kernel.mean %x, %y {axes = array<i64: 1, 2>, input_offset = 2048 : i64, output_offset = -128 : i64, multiplier = 1073741824 : i64, shift = -4 : i64} : memref<1x4x4x8xi8>, memref<1x1x1x8xi8>
// CHECK-NEXT:    kernel.mean %xf, %yf {layer = "gap", axes = array<i64: 1, -2>} : memref<1x4x4x8xf32>, memref<1x8xf32>
// CHECK-NEXT:    func.return
func.func @mean(%x: memref<1x4x4x8xi8>, %y: memref<1x1x1x8xi8>, %xf: memref<1x4x4x8xf32>, %yf: memref<1x8xf32>) {
  kernel.mean %x, %y {axes = array<i64: 1, 2>, input_offset = 2048 : i64, output_offset = -128 : i64, multiplier = 1073741824 : i64, shift = -4 : i64} : memref<1x4x4x8xi8>, memref<1x1x1x8xi8>
  kernel.mean %xf, %yf {layer = "gap", axes = array<i64: 1, -2>} : memref<1x4x4x8xf32>, memref<1x8xf32>
  func.return
}

// -----

/// add (quantized, quantized `sign = -1` i.e. SUB, float, float SUB) and mul (quantized,
/// float), all broadcasting the second operand.
// CHECK-LABEL: func.func @elementwise(
// CHECK-NEXT:    kernel.add %a, %b, %y {input1_offset = 128 : i64, input2_offset = -4 : i64, output_offset = -128 : i64, left_shift = 20 : i64, input1_multiplier = 1623821475 : i64, input1_shift = -2 : i64, input2_multiplier = 1073741824 : i64, input2_shift = 0 : i64, output_multiplier = 1140768826 : i64, output_shift = -17 : i64, qmin = -128 : i64, qmax = 127 : i64} : memref<1x4x4x8xi8>, memref<1x1x1x8xi8>, memref<1x4x4x8xi8>
// CHECK-NEXT:    kernel.add %a, %b, %y {input1_offset = 0 : i64, input2_offset = 0 : i64, output_offset = 0 : i64, left_shift = 20 : i64, input1_multiplier = 1073741824 : i64, input1_shift = 0 : i64, input2_multiplier = 1073741824 : i64, input2_shift = 0 : i64, output_multiplier = 1073741824 : i64, output_shift = -19 : i64, sign = -1 : i64, qmin = -128 : i64, qmax = 127 : i64} : memref<1x4x4x8xi8>, memref<1x1x1x8xi8>, memref<1x4x4x8xi8>
// CHECK-NEXT:    kernel.add %af, %bf, %yf {fmin = -3.4028235e+38 : f32, fmax = 3.4028235e+38 : f32} : memref<2x3xf32>, memref<3xf32>, memref<2x3xf32>
// CHECK-NEXT:    kernel.add %af, %bf, %yf {sign = -1 : i64, fmin = 0.0 : f32, fmax = 3.4028235e+38 : f32} : memref<2x3xf32>, memref<3xf32>, memref<2x3xf32>
// CHECK-NEXT:    kernel.mul %a, %b, %y {input1_offset = 5 : i64, input2_offset = -7 : i64, output_offset = 3 : i64, output_multiplier = 1288490189 : i64, output_shift = -8 : i64, qmin = -128 : i64, qmax = 127 : i64} : memref<1x4x4x8xi8>, memref<1x1x1x8xi8>, memref<1x4x4x8xi8>
// CHECK-NEXT:    kernel.mul %af, %bf, %yf {fmin = -1.0 : f32, fmax = 1.0 : f32} : memref<2x3xf32>, memref<3xf32>, memref<2x3xf32>
// CHECK-NEXT:    func.return
func.func @elementwise(%a: memref<1x4x4x8xi8>, %b: memref<1x1x1x8xi8>, %y: memref<1x4x4x8xi8>,
                       %af: memref<2x3xf32>, %bf: memref<3xf32>, %yf: memref<2x3xf32>) {
  kernel.add %a, %b, %y {input1_offset = 128 : i64, input2_offset = -4 : i64, output_offset = -128 : i64, left_shift = 20 : i64, input1_multiplier = 1623821475 : i64, input1_shift = -2 : i64, input2_multiplier = 1073741824 : i64, input2_shift = 0 : i64, output_multiplier = 1140768826 : i64, output_shift = -17 : i64, qmin = -128 : i64, qmax = 127 : i64} : memref<1x4x4x8xi8>, memref<1x1x1x8xi8>, memref<1x4x4x8xi8>
  kernel.add %a, %b, %y {input1_offset = 0 : i64, input2_offset = 0 : i64, output_offset = 0 : i64, left_shift = 20 : i64, input1_multiplier = 1073741824 : i64, input1_shift = 0 : i64, input2_multiplier = 1073741824 : i64, input2_shift = 0 : i64, output_multiplier = 1073741824 : i64, output_shift = -19 : i64, sign = -1 : i64, qmin = -128 : i64, qmax = 127 : i64} : memref<1x4x4x8xi8>, memref<1x1x1x8xi8>, memref<1x4x4x8xi8>
  kernel.add %af, %bf, %yf {fmin = -3.4028235e+38 : f32, fmax = 3.4028235e+38 : f32} : memref<2x3xf32>, memref<3xf32>, memref<2x3xf32>
  kernel.add %af, %bf, %yf {sign = -1 : i64, fmin = 0.0 : f32, fmax = 3.4028235e+38 : f32} : memref<2x3xf32>, memref<3xf32>, memref<2x3xf32>
  kernel.mul %a, %b, %y {input1_offset = 5 : i64, input2_offset = -7 : i64, output_offset = 3 : i64, output_multiplier = 1288490189 : i64, output_shift = -8 : i64, qmin = -128 : i64, qmax = 127 : i64} : memref<1x4x4x8xi8>, memref<1x1x1x8xi8>, memref<1x4x4x8xi8>
  kernel.mul %af, %bf, %yf {fmin = -1.0 : f32, fmax = 1.0 : f32} : memref<2x3xf32>, memref<3xf32>, memref<2x3xf32>
  func.return
}

// -----

/// softmax: int8 -> int8, int8 -> int16 (gemmlowp parameters) and float (beta).
// CHECK-LABEL: func.func @softmax(
// CHECK-NEXT:    kernel.softmax %x, %y {input_beta_multiplier = 1476210432 : i64, input_beta_left_shift = 24 : i64, diff_min = -124 : i64} : memref<1x10xi8>, memref<1x10xi8>
// CHECK-NEXT:    kernel.softmax %x, %y16 {input_beta_multiplier = 1476210432 : i64, input_beta_left_shift = 24 : i64, diff_min = -124 : i64} : memref<1x10xi8>, memref<1x10xi16>
// CHECK-NEXT:    kernel.softmax %xf, %yf {beta = 1.0 : f32} : memref<2x10xf32>, memref<2x10xf32>
// CHECK-NEXT:    func.return
func.func @softmax(%x: memref<1x10xi8>, %y: memref<1x10xi8>, %y16: memref<1x10xi16>, %xf: memref<2x10xf32>, %yf: memref<2x10xf32>) {
  kernel.softmax %x, %y {input_beta_multiplier = 1476210432 : i64, input_beta_left_shift = 24 : i64, diff_min = -124 : i64} : memref<1x10xi8>, memref<1x10xi8>
  kernel.softmax %x, %y16 {input_beta_multiplier = 1476210432 : i64, input_beta_left_shift = 24 : i64, diff_min = -124 : i64} : memref<1x10xi8>, memref<1x10xi16>
  kernel.softmax %xf, %yf {beta = 1.0 : f32} : memref<2x10xf32>, memref<2x10xf32>
  func.return
}

// -----

/// clamp (stored values, floats) and requantize (int8 -> int16).
// CHECK-LABEL: func.func @clamp_and_requantize(
// CHECK-NEXT:    kernel.clamp %x, %y {qmin = -128 : i64, qmax = 0 : i64} : memref<2x3xi8>, memref<2x3xi8>
// CHECK-NEXT:    kernel.clamp %xf, %yf {fmin = 0.0 : f32, fmax = 6.0 : f32} : memref<4xf32>, memref<4xf32>
// CHECK-NEXT:    kernel.requantize %x, %y16 {input_offset = 3 : i64, output_offset = 0 : i64, multiplier = 1431655765 : i64, shift = 9 : i64, qmin = -32768 : i64, qmax = 32767 : i64} : memref<2x3xi8>, memref<2x3xi16>
// CHECK-NEXT:    func.return
func.func @clamp_and_requantize(%x: memref<2x3xi8>, %y: memref<2x3xi8>, %xf: memref<4xf32>, %yf: memref<4xf32>, %y16: memref<2x3xi16>) {
  kernel.clamp %x, %y {qmin = -128 : i64, qmax = 0 : i64} : memref<2x3xi8>, memref<2x3xi8>
  kernel.clamp %xf, %yf {fmin = 0.0 : f32, fmax = 6.0 : f32} : memref<4xf32>, memref<4xf32>
  kernel.requantize %x, %y16 {input_offset = 3 : i64, output_offset = 0 : i64, multiplier = 1431655765 : i64, shift = 9 : i64, qmin = -32768 : i64, qmax = 32767 : i64} : memref<2x3xi8>, memref<2x3xi16>
  func.return
}

// -----

/// quantize f32 -> int8 and dequantize int8 -> f32.
// CHECK-LABEL: func.func @quantize_dequantize(
// CHECK-NEXT:    kernel.quantize %xf, %q {scale = 0.0235 : f32, zero_point = -128 : i64} : memref<1x8xf32>, memref<1x8xi8>
// CHECK-NEXT:    kernel.dequantize %q, %yf {scale = 0.0235 : f32, zero_point = -128 : i64} : memref<1x8xi8>, memref<1x8xf32>
// CHECK-NEXT:    func.return
func.func @quantize_dequantize(%xf: memref<1x8xf32>, %q: memref<1x8xi8>, %yf: memref<1x8xf32>) {
  kernel.quantize %xf, %q {scale = 0.0235 : f32, zero_point = -128 : i64} : memref<1x8xf32>, memref<1x8xi8>
  kernel.dequantize %q, %yf {scale = 0.0235 : f32, zero_point = -128 : i64} : memref<1x8xi8>, memref<1x8xf32>
  func.return
}

// -----

/// copy (a reshape that cannot alias), transpose, concat (three inputs; a negative axis),
/// pad (integer fill on NHWC, float fill on 2-D).
// CHECK-LABEL: func.func @data_movement(
// CHECK-NEXT:    kernel.copy %x, %flat : memref<1x2x3x4xi8>, memref<24xi8>
// CHECK-NEXT:    kernel.transpose %x, %t {perm = array<i64: 0, 3, 1, 2>} : memref<1x2x3x4xi8>, memref<1x4x2x3xi8>
// CHECK-NEXT:    kernel.concat %a, %x, %b, %c {axis = 3 : i64} : memref<1x2x3x1xi8>, memref<1x2x3x4xi8>, memref<1x2x3x5xi8>, memref<1x2x3x10xi8>
// CHECK-NEXT:    kernel.concat %x, %x, %d {layer = "cat", axis = -1 : i64} : memref<1x2x3x4xi8>, memref<1x2x3x4xi8>, memref<1x2x3x8xi8>
// CHECK-NEXT:    kernel.pad %x, %p {pads = array<i64: 0, 1, 1, 0, 0, 1, 1, 0>, value = -128 : i64} : memref<1x2x3x4xi8>, memref<1x4x5x4xi8>
// CHECK-NEXT:    kernel.pad %xf, %pf {pads = array<i64: 0, 2, 1, 0>, fvalue = 0.5 : f32} : memref<2x2xf32>, memref<3x4xf32>
// CHECK-NEXT:    func.return
func.func @data_movement(%x: memref<1x2x3x4xi8>, %flat: memref<24xi8>, %t: memref<1x4x2x3xi8>,
                         %a: memref<1x2x3x1xi8>, %b: memref<1x2x3x5xi8>, %c: memref<1x2x3x10xi8>, %d: memref<1x2x3x8xi8>,
                         %p: memref<1x4x5x4xi8>, %xf: memref<2x2xf32>, %pf: memref<3x4xf32>) {
  kernel.copy %x, %flat : memref<1x2x3x4xi8>, memref<24xi8>
  kernel.transpose %x, %t {perm = array<i64: 0, 3, 1, 2>} : memref<1x2x3x4xi8>, memref<1x4x2x3xi8>
  kernel.concat %a, %x, %b, %c {axis = 3 : i64} : memref<1x2x3x1xi8>, memref<1x2x3x4xi8>, memref<1x2x3x5xi8>, memref<1x2x3x10xi8>
  kernel.concat %x, %x, %d {layer = "cat", axis = -1 : i64} : memref<1x2x3x4xi8>, memref<1x2x3x4xi8>, memref<1x2x3x8xi8>
  kernel.pad %x, %p {pads = array<i64: 0, 1, 1, 0, 0, 1, 1, 0>, value = -128 : i64} : memref<1x2x3x4xi8>, memref<1x4x5x4xi8>
  kernel.pad %xf, %pf {pads = array<i64: 0, 2, 1, 0>, fvalue = 0.5 : f32} : memref<2x2xf32>, memref<3x4xf32>
  func.return
}
