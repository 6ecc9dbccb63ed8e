// RUN: edgeai-opt %s --split-input-file | filecheck %s
// RUN: edgeai-opt %s --split-input-file --print-op-generic | edgeai-opt --split-input-file | filecheck %s

/// Every `onnx` op round-trips through the custom and the generic form with all attributes
/// explicit (these inputs are what the ONNX frontend prints for one-node graphs).

// CHECK-LABEL: func.func @conv
// CHECK:       %y = onnx.conv %x, %w, %b {layer = "conv", pads = array<i64: 1, 1, 1, 1>, auto_pad = "NOTSET", group = 1 : i64, kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<3x2x3x3xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
func.func @conv(%x: tensor<1x2x4x4xf32> {edgeai.name = "x"}) -> (tensor<1x3x4x4xf32> {edgeai.name = "y"}) {
  %w = onnx.constant dense<1.0> : tensor<3x2x3x3xf32>
  %b = onnx.constant dense<0.0> : tensor<3xf32>
  %y = onnx.conv %x, %w, %b {layer = "conv", pads = array<i64: 1, 1, 1, 1>, auto_pad = "NOTSET", group = 1 : i64, kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<3x2x3x3xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  func.return %y : tensor<1x3x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @conv_transpose
// CHECK:       %y = onnx.conv_transpose %x, %w, %0 {layer = "convtranspose", strides = array<i64: 2, 2>, auto_pad = "NOTSET", group = 1 : i64, kernel_shape = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, output_padding = array<i64: 0, 0>} : (tensor<1x2x4x4xf32>, tensor<2x3x2x2xf32>, none) -> tensor<1x3x8x8xf32>
func.func @conv_transpose(%x: tensor<1x2x4x4xf32> {edgeai.name = "x"}) -> (tensor<1x3x8x8xf32> {edgeai.name = "y"}) {
  %w = onnx.constant dense<1.0> : tensor<2x3x2x2xf32>
  %0 = onnx.none
  %y = onnx.conv_transpose %x, %w, %0 {layer = "convtranspose", strides = array<i64: 2, 2>, auto_pad = "NOTSET", group = 1 : i64, kernel_shape = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, output_padding = array<i64: 0, 0>} : (tensor<1x2x4x4xf32>, tensor<2x3x2x2xf32>, none) -> tensor<1x3x8x8xf32>
  func.return %y : tensor<1x3x8x8xf32>
}

// -----

// CHECK-LABEL: func.func @gemm
// CHECK:       %y = onnx.gemm %a, %b, %c {layer = "gemm", transB = 1 : i64, alpha = 1.0 : f32, beta = 1.0 : f32, transA = 0 : i64} : (tensor<2x3xf32>, tensor<4x3xf32>, tensor<4xf32>) -> tensor<2x4xf32>
func.func @gemm(%a: tensor<2x3xf32> {edgeai.name = "a"}) -> (tensor<2x4xf32> {edgeai.name = "y"}) {
  %b = onnx.constant dense<1.0> : tensor<4x3xf32>
  %c = onnx.constant dense<0.0> : tensor<4xf32>
  %y = onnx.gemm %a, %b, %c {layer = "gemm", transB = 1 : i64, alpha = 1.0 : f32, beta = 1.0 : f32, transA = 0 : i64} : (tensor<2x3xf32>, tensor<4x3xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  func.return %y : tensor<2x4xf32>
}

// -----

// CHECK-LABEL: func.func @matmul
// CHECK:       %y = onnx.matmul %a, %b {layer = "matmul"} : (tensor<2x3xf32>, tensor<3x5xf32>) -> tensor<2x5xf32>
func.func @matmul(%a: tensor<2x3xf32> {edgeai.name = "a"}, %b: tensor<3x5xf32> {edgeai.name = "b"}) -> (tensor<2x5xf32> {edgeai.name = "y"}) {
  %y = onnx.matmul %a, %b {layer = "matmul"} : (tensor<2x3xf32>, tensor<3x5xf32>) -> tensor<2x5xf32>
  func.return %y : tensor<2x5xf32>
}

// -----

// CHECK-LABEL: func.func @add
// CHECK:       %y = onnx.add %a, %b {layer = "add"} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
func.func @add(%a: tensor<2x3xf32> {edgeai.name = "a"}, %b: tensor<3xf32> {edgeai.name = "b"}) -> (tensor<2x3xf32> {edgeai.name = "y"}) {
  %y = onnx.add %a, %b {layer = "add"} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  func.return %y : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @sub
// CHECK:       %y = onnx.sub %a, %b {layer = "sub"} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
func.func @sub(%a: tensor<2x3xf32> {edgeai.name = "a"}, %b: tensor<3xf32> {edgeai.name = "b"}) -> (tensor<2x3xf32> {edgeai.name = "y"}) {
  %y = onnx.sub %a, %b {layer = "sub"} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  func.return %y : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @mul
// CHECK:       %y = onnx.mul %a, %b {layer = "mul"} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
func.func @mul(%a: tensor<2x3xf32> {edgeai.name = "a"}, %b: tensor<3xf32> {edgeai.name = "b"}) -> (tensor<2x3xf32> {edgeai.name = "y"}) {
  %y = onnx.mul %a, %b {layer = "mul"} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  func.return %y : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @div
// CHECK:       %y = onnx.div %a, %b {layer = "div"} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
func.func @div(%a: tensor<2x3xf32> {edgeai.name = "a"}, %b: tensor<3xf32> {edgeai.name = "b"}) -> (tensor<2x3xf32> {edgeai.name = "y"}) {
  %y = onnx.div %a, %b {layer = "div"} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  func.return %y : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @relu
// CHECK:       %y = onnx.relu %x {layer = "relu"} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
func.func @relu(%x: tensor<1x2x4x4xf32> {edgeai.name = "x"}) -> (tensor<1x2x4x4xf32> {edgeai.name = "y"}) {
  %y = onnx.relu %x {layer = "relu"} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  func.return %y : tensor<1x2x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @leaky_relu
// CHECK:       %y = onnx.leaky_relu %x {layer = "leakyrelu", alpha = 0.1 : f32} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
func.func @leaky_relu(%x: tensor<1x2x4x4xf32> {edgeai.name = "x"}) -> (tensor<1x2x4x4xf32> {edgeai.name = "y"}) {
  %y = onnx.leaky_relu %x {layer = "leakyrelu", alpha = 0.1 : f32} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  func.return %y : tensor<1x2x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @prelu
// CHECK:       %y = onnx.prelu %x, %slope {layer = "prelu"} : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
func.func @prelu(%x: tensor<1x2x4x4xf32> {edgeai.name = "x"}) -> (tensor<1x2x4x4xf32> {edgeai.name = "y"}) {
  %slope = onnx.constant dense<0.25> : tensor<2x1x1xf32>
  %y = onnx.prelu %x, %slope {layer = "prelu"} : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  func.return %y : tensor<1x2x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @clip
// CHECK:       %y = onnx.clip %x, %lo, %hi {layer = "clip"} : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x2x4x4xf32>
func.func @clip(%x: tensor<1x2x4x4xf32> {edgeai.name = "x"}) -> (tensor<1x2x4x4xf32> {edgeai.name = "y"}) {
  %lo = onnx.constant dense<0.0> : tensor<f32>
  %hi = onnx.constant dense<6.0> : tensor<f32>
  %y = onnx.clip %x, %lo, %hi {layer = "clip"} : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  func.return %y : tensor<1x2x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @sigmoid
// CHECK:       %y = onnx.sigmoid %x {layer = "sigmoid"} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
func.func @sigmoid(%x: tensor<1x2x4x4xf32> {edgeai.name = "x"}) -> (tensor<1x2x4x4xf32> {edgeai.name = "y"}) {
  %y = onnx.sigmoid %x {layer = "sigmoid"} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  func.return %y : tensor<1x2x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @tanh
// CHECK:       %y = onnx.tanh %x {layer = "tanh"} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
func.func @tanh(%x: tensor<1x2x4x4xf32> {edgeai.name = "x"}) -> (tensor<1x2x4x4xf32> {edgeai.name = "y"}) {
  %y = onnx.tanh %x {layer = "tanh"} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  func.return %y : tensor<1x2x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @hard_sigmoid
// CHECK:       %y = onnx.hard_sigmoid %x {layer = "hardsigmoid", alpha = 0.2 : f32, beta = 0.5 : f32} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
func.func @hard_sigmoid(%x: tensor<1x2x4x4xf32> {edgeai.name = "x"}) -> (tensor<1x2x4x4xf32> {edgeai.name = "y"}) {
  %y = onnx.hard_sigmoid %x {layer = "hardsigmoid", alpha = 0.2 : f32, beta = 0.5 : f32} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  func.return %y : tensor<1x2x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @hard_swish
// CHECK:       %y = onnx.hard_swish %x {layer = "hardswish"} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
func.func @hard_swish(%x: tensor<1x2x4x4xf32> {edgeai.name = "x"}) -> (tensor<1x2x4x4xf32> {edgeai.name = "y"}) {
  %y = onnx.hard_swish %x {layer = "hardswish"} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  func.return %y : tensor<1x2x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @softmax
// CHECK:       %y = onnx.softmax %x {layer = "softmax", axis = 1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
func.func @softmax(%x: tensor<1x2x4x4xf32> {edgeai.name = "x"}) -> (tensor<1x2x4x4xf32> {edgeai.name = "y"}) {
  %y = onnx.softmax %x {layer = "softmax", axis = 1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  func.return %y : tensor<1x2x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @log_softmax
// CHECK:       %y = onnx.log_softmax %x {layer = "logsoftmax", axis = -1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
func.func @log_softmax(%x: tensor<1x2x4x4xf32> {edgeai.name = "x"}) -> (tensor<1x2x4x4xf32> {edgeai.name = "y"}) {
  %y = onnx.log_softmax %x {layer = "logsoftmax", axis = -1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  func.return %y : tensor<1x2x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @max_pool
// CHECK:       %y = onnx.max_pool %x {layer = "maxpool", ceil_mode = 1 : i64, kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, auto_pad = "NOTSET", storage_order = 0 : i64, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32>
func.func @max_pool(%x: tensor<1x2x4x4xf32> {edgeai.name = "x"}) -> (tensor<1x2x2x2xf32> {edgeai.name = "y"}) {
  %y = onnx.max_pool %x {layer = "maxpool", ceil_mode = 1 : i64, kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, auto_pad = "NOTSET", storage_order = 0 : i64, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32>
  func.return %y : tensor<1x2x2x2xf32>
}

// -----

// CHECK-LABEL: func.func @average_pool
// CHECK:       %y = onnx.average_pool %x {layer = "averagepool", auto_pad = "SAME_UPPER", count_include_pad = 1 : i64, kernel_shape = array<i64: 2, 2>, ceil_mode = 0 : i64, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
func.func @average_pool(%x: tensor<1x2x4x4xf32> {edgeai.name = "x"}) -> (tensor<1x2x4x4xf32> {edgeai.name = "y"}) {
  %y = onnx.average_pool %x {layer = "averagepool", auto_pad = "SAME_UPPER", count_include_pad = 1 : i64, kernel_shape = array<i64: 2, 2>, ceil_mode = 0 : i64, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  func.return %y : tensor<1x2x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @global_average_pool
// CHECK:       %y = onnx.global_average_pool %x {layer = "globalaveragepool"} : (tensor<1x2x4x4xf32>) -> tensor<1x2x1x1xf32>
func.func @global_average_pool(%x: tensor<1x2x4x4xf32> {edgeai.name = "x"}) -> (tensor<1x2x1x1xf32> {edgeai.name = "y"}) {
  %y = onnx.global_average_pool %x {layer = "globalaveragepool"} : (tensor<1x2x4x4xf32>) -> tensor<1x2x1x1xf32>
  func.return %y : tensor<1x2x1x1xf32>
}

// -----

// CHECK-LABEL: func.func @global_max_pool
// CHECK:       %y = onnx.global_max_pool %x {layer = "globalmaxpool"} : (tensor<1x2x4x4xf32>) -> tensor<1x2x1x1xf32>
func.func @global_max_pool(%x: tensor<1x2x4x4xf32> {edgeai.name = "x"}) -> (tensor<1x2x1x1xf32> {edgeai.name = "y"}) {
  %y = onnx.global_max_pool %x {layer = "globalmaxpool"} : (tensor<1x2x4x4xf32>) -> tensor<1x2x1x1xf32>
  func.return %y : tensor<1x2x1x1xf32>
}

// -----

// CHECK-LABEL: func.func @batch_normalization
// CHECK:       %y = onnx.batch_normalization %x, %s, %b, %m, %v {layer = "batchnormalization", epsilon = 0.00001 : f32, momentum = 0.9 : f32, training_mode = 0 : i64} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
func.func @batch_normalization(%x: tensor<1x2x4x4xf32> {edgeai.name = "x"}) -> (tensor<1x2x4x4xf32> {edgeai.name = "y"}) {
  %s = onnx.constant dense<1.0> : tensor<2xf32>
  %b = onnx.constant dense<1.0> : tensor<2xf32>
  %m = onnx.constant dense<1.0> : tensor<2xf32>
  %v = onnx.constant dense<1.0> : tensor<2xf32>
  %y = onnx.batch_normalization %x, %s, %b, %m, %v {layer = "batchnormalization", epsilon = 0.00001 : f32, momentum = 0.9 : f32, training_mode = 0 : i64} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  func.return %y : tensor<1x2x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @concat
// CHECK:       %y = onnx.concat %x, %x2 {layer = "concat", axis = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<1x3x4x4xf32>) -> tensor<1x5x4x4xf32>
func.func @concat(%x: tensor<1x2x4x4xf32> {edgeai.name = "x"}, %x2: tensor<1x3x4x4xf32> {edgeai.name = "x2"}) -> (tensor<1x5x4x4xf32> {edgeai.name = "y"}) {
  %y = onnx.concat %x, %x2 {layer = "concat", axis = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<1x3x4x4xf32>) -> tensor<1x5x4x4xf32>
  func.return %y : tensor<1x5x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @reshape
// CHECK:       %y = onnx.reshape %x, %shape {layer = "reshape", allowzero = 0 : i64} : (tensor<1x2x4x4xf32>, tensor<2xi64>) -> tensor<1x32xf32>
func.func @reshape(%x: tensor<1x2x4x4xf32> {edgeai.name = "x"}) -> (tensor<1x32xf32> {edgeai.name = "y"}) {
  %shape = onnx.constant dense<[1, -1]> : tensor<2xi64>
  %y = onnx.reshape %x, %shape {layer = "reshape", allowzero = 0 : i64} : (tensor<1x2x4x4xf32>, tensor<2xi64>) -> tensor<1x32xf32>
  func.return %y : tensor<1x32xf32>
}

// -----

// CHECK-LABEL: func.func @flatten
// CHECK:       %y = onnx.flatten %x {layer = "flatten", axis = 2 : i64} : (tensor<1x2x4x4xf32>) -> tensor<2x16xf32>
func.func @flatten(%x: tensor<1x2x4x4xf32> {edgeai.name = "x"}) -> (tensor<2x16xf32> {edgeai.name = "y"}) {
  %y = onnx.flatten %x {layer = "flatten", axis = 2 : i64} : (tensor<1x2x4x4xf32>) -> tensor<2x16xf32>
  func.return %y : tensor<2x16xf32>
}

// -----

// CHECK-LABEL: func.func @transpose
// CHECK:       %y = onnx.transpose %x {layer = "transpose", perm = array<i64: 0, 2, 3, 1>} : (tensor<1x2x4x4xf32>) -> tensor<1x4x4x2xf32>
func.func @transpose(%x: tensor<1x2x4x4xf32> {edgeai.name = "x"}) -> (tensor<1x4x4x2xf32> {edgeai.name = "y"}) {
  %y = onnx.transpose %x {layer = "transpose", perm = array<i64: 0, 2, 3, 1>} : (tensor<1x2x4x4xf32>) -> tensor<1x4x4x2xf32>
  func.return %y : tensor<1x4x4x2xf32>
}

// -----

// CHECK-LABEL: func.func @pad
// CHECK:       %y = onnx.pad %x, %pads, %0, %0 {layer = "pad", mode = "reflect"} : (tensor<1x2x4x4xf32>, tensor<8xi64>, none, none) -> tensor<1x2x6x6xf32>
func.func @pad(%x: tensor<1x2x4x4xf32> {edgeai.name = "x"}) -> (tensor<1x2x6x6xf32> {edgeai.name = "y"}) {
  %pads = onnx.constant dense<[0, 0, 1, 1, 0, 0, 1, 1]> : tensor<8xi64>
  %0 = onnx.none
  %y = onnx.pad %x, %pads, %0, %0 {layer = "pad", mode = "reflect"} : (tensor<1x2x4x4xf32>, tensor<8xi64>, none, none) -> tensor<1x2x6x6xf32>
  func.return %y : tensor<1x2x6x6xf32>
}

// -----

// CHECK-LABEL: func.func @slice
// CHECK:       %y = onnx.slice %x, %starts, %ends, %axes, %steps {layer = "slice"} : (tensor<1x2x4x4xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x2x4x2xf32>
func.func @slice(%x: tensor<1x2x4x4xf32> {edgeai.name = "x"}) -> (tensor<1x2x4x2xf32> {edgeai.name = "y"}) {
  %starts = onnx.constant dense<1> : tensor<1xi64>
  %ends = onnx.constant dense<-1> : tensor<1xi64>
  %axes = onnx.constant dense<3> : tensor<1xi64>
  %steps = onnx.constant dense<1> : tensor<1xi64>
  %y = onnx.slice %x, %starts, %ends, %axes, %steps {layer = "slice"} : (tensor<1x2x4x4xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x2x4x2xf32>
  func.return %y : tensor<1x2x4x2xf32>
}

// -----

// CHECK-LABEL: func.func @split
// CHECK:       %y1, %y2 = onnx.split %x, %0 {layer = "split", axis = 2 : i64, num_outputs = 2 : i64} : (tensor<1x2x4x4xf32>, none) -> (tensor<1x2x2x4xf32>, tensor<1x2x2x4xf32>)
func.func @split(%x: tensor<1x2x4x4xf32> {edgeai.name = "x"}) -> (tensor<1x2x2x4xf32> {edgeai.name = "y1"}, tensor<1x2x2x4xf32> {edgeai.name = "y2"}) {
  %0 = onnx.none
  %y1, %y2 = onnx.split %x, %0 {layer = "split", axis = 2 : i64, num_outputs = 2 : i64} : (tensor<1x2x4x4xf32>, none) -> (tensor<1x2x2x4xf32>, tensor<1x2x2x4xf32>)
  func.return %y1, %y2 : tensor<1x2x2x4xf32>, tensor<1x2x2x4xf32>
}

// -----

// CHECK-LABEL: func.func @squeeze
// CHECK:       %y = onnx.squeeze %x, %axes {layer = "squeeze"} : (tensor<1x3x1xf32>, tensor<1xi64>) -> tensor<1x3xf32>
func.func @squeeze(%x: tensor<1x3x1xf32> {edgeai.name = "x"}) -> (tensor<1x3xf32> {edgeai.name = "y"}) {
  %axes = onnx.constant dense<2> : tensor<1xi64>
  %y = onnx.squeeze %x, %axes {layer = "squeeze"} : (tensor<1x3x1xf32>, tensor<1xi64>) -> tensor<1x3xf32>
  func.return %y : tensor<1x3xf32>
}

// -----

// CHECK-LABEL: func.func @unsqueeze
// CHECK:       %y = onnx.unsqueeze %x, %axes {layer = "unsqueeze"} : (tensor<3xf32>, tensor<2xi64>) -> tensor<1x3x1xf32>
func.func @unsqueeze(%x: tensor<3xf32> {edgeai.name = "x"}) -> (tensor<1x3x1xf32> {edgeai.name = "y"}) {
  %axes = onnx.constant dense<[0, 2]> : tensor<2xi64>
  %y = onnx.unsqueeze %x, %axes {layer = "unsqueeze"} : (tensor<3xf32>, tensor<2xi64>) -> tensor<1x3x1xf32>
  func.return %y : tensor<1x3x1xf32>
}

// -----

// CHECK-LABEL: func.func @reduce_mean
// CHECK:       %y = onnx.reduce_mean %x, %axes {layer = "reducemean", keepdims = 0 : i64, noop_with_empty_axes = 0 : i64} : (tensor<1x2x4x4xf32>, tensor<2xi64>) -> tensor<1x2xf32>
func.func @reduce_mean(%x: tensor<1x2x4x4xf32> {edgeai.name = "x"}) -> (tensor<1x2xf32> {edgeai.name = "y"}) {
  %axes = onnx.constant dense<[2, 3]> : tensor<2xi64>
  %y = onnx.reduce_mean %x, %axes {layer = "reducemean", keepdims = 0 : i64, noop_with_empty_axes = 0 : i64} : (tensor<1x2x4x4xf32>, tensor<2xi64>) -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}

// -----

// CHECK-LABEL: func.func @reduce_max
// CHECK:       %y = onnx.reduce_max %x, %axes {layer = "reducemax", keepdims = 1 : i64, noop_with_empty_axes = 0 : i64} : (tensor<1x2x4x4xf32>, tensor<1xi64>) -> tensor<1x1x4x4xf32>
func.func @reduce_max(%x: tensor<1x2x4x4xf32> {edgeai.name = "x"}) -> (tensor<1x1x4x4xf32> {edgeai.name = "y"}) {
  %axes = onnx.constant dense<1> : tensor<1xi64>
  %y = onnx.reduce_max %x, %axes {layer = "reducemax", keepdims = 1 : i64, noop_with_empty_axes = 0 : i64} : (tensor<1x2x4x4xf32>, tensor<1xi64>) -> tensor<1x1x4x4xf32>
  func.return %y : tensor<1x1x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @reduce_sum
// CHECK:       %y = onnx.reduce_sum %x, %0 {layer = "reducesum", keepdims = 1 : i64, noop_with_empty_axes = 0 : i64} : (tensor<1x2x4x4xf32>, none) -> tensor<1x1x1x1xf32>
func.func @reduce_sum(%x: tensor<1x2x4x4xf32> {edgeai.name = "x"}) -> (tensor<1x1x1x1xf32> {edgeai.name = "y"}) {
  %0 = onnx.none
  %y = onnx.reduce_sum %x, %0 {layer = "reducesum", keepdims = 1 : i64, noop_with_empty_axes = 0 : i64} : (tensor<1x2x4x4xf32>, none) -> tensor<1x1x1x1xf32>
  func.return %y : tensor<1x1x1x1xf32>
}

// -----

// CHECK-LABEL: func.func @identity
// CHECK:       %y = onnx.identity %x {layer = "identity"} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
func.func @identity(%x: tensor<1x2x4x4xf32> {edgeai.name = "x"}) -> (tensor<1x2x4x4xf32> {edgeai.name = "y"}) {
  %y = onnx.identity %x {layer = "identity"} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  func.return %y : tensor<1x2x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @dropout
// CHECK:       %y = onnx.dropout %x, %0, %0 {layer = "dropout"} : (tensor<1x2x4x4xf32>, none, none) -> tensor<1x2x4x4xf32>
func.func @dropout(%x: tensor<1x2x4x4xf32> {edgeai.name = "x"}) -> (tensor<1x2x4x4xf32> {edgeai.name = "y"}) {
  %0 = onnx.none
  %y = onnx.dropout %x, %0, %0 {layer = "dropout"} : (tensor<1x2x4x4xf32>, none, none) -> tensor<1x2x4x4xf32>
  func.return %y : tensor<1x2x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @constant
func.func @constant() -> (tensor<2xf32> {edgeai.name = "y"}) {
  %y = onnx.constant dense<[1.0, 2.5]> : tensor<2xf32>
  func.return %y : tensor<2xf32>
}

// -----

// CHECK-LABEL: func.func @resize
// CHECK:       %y = onnx.resize %x, %roi, %scales, %0 {layer = "resize", mode = "linear", antialias = 0 : i64, coordinate_transformation_mode = "half_pixel", cubic_coeff_a = -0.75 : f32, exclude_outside = 0 : i64, extrapolation_value = 0.0 : f32, keep_aspect_ratio_policy = "stretch", nearest_mode = "round_prefer_floor"} : (tensor<1x2x4x4xf32>, tensor<0xf32>, tensor<4xf32>, none) -> tensor<1x2x8x8xf32>
func.func @resize(%x: tensor<1x2x4x4xf32> {edgeai.name = "x"}) -> (tensor<1x2x8x8xf32> {edgeai.name = "y"}) {
  %roi = onnx.constant dense<> : tensor<0xf32>
  %scales = onnx.constant dense<[1.0, 1.0, 2.0, 2.0]> : tensor<4xf32>
  %0 = onnx.none
  %y = onnx.resize %x, %roi, %scales, %0 {layer = "resize", mode = "linear", antialias = 0 : i64, coordinate_transformation_mode = "half_pixel", cubic_coeff_a = -0.75 : f32, exclude_outside = 0 : i64, extrapolation_value = 0.0 : f32, keep_aspect_ratio_policy = "stretch", nearest_mode = "round_prefer_floor"} : (tensor<1x2x4x4xf32>, tensor<0xf32>, tensor<4xf32>, none) -> tensor<1x2x8x8xf32>
  func.return %y : tensor<1x2x8x8xf32>
}

// -----

// CHECK-LABEL: func.func @gather
// CHECK:       %y = onnx.gather %x, %idx {layer = "gather", axis = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<2xi64>) -> tensor<1x2x4x4xf32>
func.func @gather(%x: tensor<1x2x4x4xf32> {edgeai.name = "x"}) -> (tensor<1x2x4x4xf32> {edgeai.name = "y"}) {
  %idx = onnx.constant dense<[1, 0]> : tensor<2xi64>
  %y = onnx.gather %x, %idx {layer = "gather", axis = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<2xi64>) -> tensor<1x2x4x4xf32>
  func.return %y : tensor<1x2x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @quantize_linear
// CHECK:       %y = onnx.quantize_linear %x, %ys, %yz {layer = "quantizelinear", axis = 1 : i64, block_size = 0 : i64, output_dtype = 0 : i64, precision = 0 : i64, saturate = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<i8>) -> tensor<1x2x4x4xi8>
func.func @quantize_linear(%x: tensor<1x2x4x4xf32> {edgeai.name = "x"}) -> (tensor<1x2x4x4xi8> {edgeai.name = "y"}) {
  %ys = onnx.constant dense<0.5> : tensor<f32>
  %yz = onnx.constant dense<-3> : tensor<i8>
  %y = onnx.quantize_linear %x, %ys, %yz {layer = "quantizelinear", axis = 1 : i64, block_size = 0 : i64, output_dtype = 0 : i64, precision = 0 : i64, saturate = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<i8>) -> tensor<1x2x4x4xi8>
  func.return %y : tensor<1x2x4x4xi8>
}

// -----

// CHECK-LABEL: func.func @dequantize_linear
// CHECK:       %y = onnx.dequantize_linear %x, %xs, %xz {layer = "dequantizelinear", axis = 1 : i64, block_size = 0 : i64, output_dtype = 0 : i64} : (tensor<2x3xi8>, tensor<3xf32>, tensor<3xi8>) -> tensor<2x3xf32>
func.func @dequantize_linear(%x: tensor<2x3xi8> {edgeai.name = "x"}) -> (tensor<2x3xf32> {edgeai.name = "y"}) {
  %xs = onnx.constant dense<[0.5, 0.25, 0.125]> : tensor<3xf32>
  %xz = onnx.constant dense<0> : tensor<3xi8>
  %y = onnx.dequantize_linear %x, %xs, %xz {layer = "dequantizelinear", axis = 1 : i64, block_size = 0 : i64, output_dtype = 0 : i64} : (tensor<2x3xi8>, tensor<3xf32>, tensor<3xi8>) -> tensor<2x3xf32>
  func.return %y : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @qlinear_conv
// CHECK:       %y = onnx.qlinear_conv %x, %xs, %xz, %w, %ws, %wz, %ys, %yz, %0 {layer = "qlinearconv", auto_pad = "NOTSET", group = 1 : i64, kernel_shape = array<i64: 1, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x4x4xui8>, tensor<f32>, tensor<ui8>, tensor<3x2x1x1xui8>, tensor<f32>, tensor<ui8>, tensor<f32>, tensor<ui8>, none) -> tensor<1x3x4x4xui8>
func.func @qlinear_conv(%x: tensor<1x2x4x4xui8> {edgeai.name = "x"}) -> (tensor<1x3x4x4xui8> {edgeai.name = "y"}) {
  %xs = onnx.constant dense<0.5> : tensor<f32>
  %xz = onnx.constant dense<128> : tensor<ui8>
  %w = onnx.constant dense<1> : tensor<3x2x1x1xui8>
  %ws = onnx.constant dense<0.1> : tensor<f32>
  %wz = onnx.constant dense<0> : tensor<ui8>
  %ys = onnx.constant dense<0.25> : tensor<f32>
  %yz = onnx.constant dense<100> : tensor<ui8>
  %0 = onnx.none
  %y = onnx.qlinear_conv %x, %xs, %xz, %w, %ws, %wz, %ys, %yz, %0 {layer = "qlinearconv", auto_pad = "NOTSET", group = 1 : i64, kernel_shape = array<i64: 1, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x4x4xui8>, tensor<f32>, tensor<ui8>, tensor<3x2x1x1xui8>, tensor<f32>, tensor<ui8>, tensor<f32>, tensor<ui8>, none) -> tensor<1x3x4x4xui8>
  func.return %y : tensor<1x3x4x4xui8>
}

// -----

// CHECK-LABEL: func.func @qlinear_matmul
// CHECK:       %y = onnx.qlinear_matmul %a, %as, %az, %b, %bs, %bz, %ys, %yz {layer = "qlinearmatmul"} : (tensor<2x3xi8>, tensor<f32>, tensor<i8>, tensor<3x4xi8>, tensor<f32>, tensor<i8>, tensor<f32>, tensor<i8>) -> tensor<2x4xi8>
func.func @qlinear_matmul(%a: tensor<2x3xi8> {edgeai.name = "a"}) -> (tensor<2x4xi8> {edgeai.name = "y"}) {
  %as = onnx.constant dense<0.5> : tensor<f32>
  %az = onnx.constant dense<1> : tensor<i8>
  %b = onnx.constant dense<1> : tensor<3x4xi8>
  %bs = onnx.constant dense<0.1> : tensor<f32>
  %bz = onnx.constant dense<0> : tensor<i8>
  %ys = onnx.constant dense<0.25> : tensor<f32>
  %yz = onnx.constant dense<0> : tensor<i8>
  %y = onnx.qlinear_matmul %a, %as, %az, %b, %bs, %bz, %ys, %yz {layer = "qlinearmatmul"} : (tensor<2x3xi8>, tensor<f32>, tensor<i8>, tensor<3x4xi8>, tensor<f32>, tensor<i8>, tensor<f32>, tensor<i8>) -> tensor<2x4xi8>
  func.return %y : tensor<2x4xi8>
}

// -----

// CHECK-LABEL: func.func @conv_integer
// CHECK:       %y = onnx.conv_integer %x, %w, %xz, %0 {layer = "convinteger", auto_pad = "NOTSET", group = 1 : i64, kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x4x4xui8>, tensor<3x2x3x3xui8>, tensor<ui8>, none) -> tensor<1x3x2x2xi32>
func.func @conv_integer(%x: tensor<1x2x4x4xui8> {edgeai.name = "x"}) -> (tensor<1x3x2x2xi32> {edgeai.name = "y"}) {
  %w = onnx.constant dense<1> : tensor<3x2x3x3xui8>
  %xz = onnx.constant dense<3> : tensor<ui8>
  %0 = onnx.none
  %y = onnx.conv_integer %x, %w, %xz, %0 {layer = "convinteger", auto_pad = "NOTSET", group = 1 : i64, kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x4x4xui8>, tensor<3x2x3x3xui8>, tensor<ui8>, none) -> tensor<1x3x2x2xi32>
  func.return %y : tensor<1x3x2x2xi32>
}

// -----

// CHECK-LABEL: func.func @matmul_integer
// CHECK:       %y = onnx.matmul_integer %a, %b, %az, %0 {layer = "matmulinteger"} : (tensor<2x3xui8>, tensor<3x4xui8>, tensor<ui8>, none) -> tensor<2x4xi32>
func.func @matmul_integer(%a: tensor<2x3xui8> {edgeai.name = "a"}) -> (tensor<2x4xi32> {edgeai.name = "y"}) {
  %b = onnx.constant dense<1> : tensor<3x4xui8>
  %az = onnx.constant dense<1> : tensor<ui8>
  %0 = onnx.none
  %y = onnx.matmul_integer %a, %b, %az, %0 {layer = "matmulinteger"} : (tensor<2x3xui8>, tensor<3x4xui8>, tensor<ui8>, none) -> tensor<2x4xi32>
  func.return %y : tensor<2x4xi32>
}

// -----

/// QONNX operators (from the onnx.brevitas / qonnx / finn domains); Trunc carries its version.
// CHECK-LABEL: func.func @qonnx
// CHECK:       %q = onnx.quant %x, %s, %z, %b {layer = "q", narrow = 1 : i64, rounding_mode = "ROUND", signed = 1 : i64} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x4xf32>
// CHECK:       %p = onnx.bipolar_quant %x, %s {layer = "p"} : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32>
// CHECK:       %t = onnx.trunc %q, %s, %z, %b, %0, %b2 {layer = "t", rounding_mode = "FLOOR", narrow = 0 : i64, signed = 1 : i64, version = 1 : i64} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>, tensor<f32>, none, tensor<f32>) -> tensor<1x4xf32>
func.func @qonnx(%x: tensor<1x4xf32> {edgeai.name = "x"}) -> (tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>) {
  %s = onnx.constant dense<0.5> : tensor<f32>
  %z = onnx.constant dense<0.0> : tensor<f32>
  %b = onnx.constant dense<4.0> : tensor<f32>
  %b2 = onnx.constant dense<2.0> : tensor<f32>
  %q = onnx.quant %x, %s, %z, %b {layer = "q", narrow = 1 : i64, rounding_mode = "ROUND", signed = 1 : i64} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x4xf32>
  %p = onnx.bipolar_quant %x, %s {layer = "p"} : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32>
  %0 = onnx.none
  %t = onnx.trunc %q, %s, %z, %b, %0, %b2 {layer = "t", rounding_mode = "FLOOR", narrow = 0 : i64, signed = 1 : i64, version = 1 : i64} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>, tensor<f32>, none, tensor<f32>) -> tensor<1x4xf32>
  func.return %q, %p, %t : tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>
}
