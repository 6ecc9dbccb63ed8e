// RUN: edgeai-opt %s --pass-pipeline=convert-onnx-to-nn --split-input-file --verify-diagnostics | filecheck %s

/// 3-D convolutions are out of scope; the message names the layer and the ONNX op.
// CHECK: convert-onnx-to-nn @negative_conv3d: 1 unsupported: layer 'conv3d' (Conv): 3-D windows (1-D and 2-D convolution/pooling are supported)
func.func @negative_conv3d(%x: tensor<1x1x4x4x4xf32>) -> tensor<1x2x2x2x2xf32> {
  %w = onnx.constant dense<1.0> : tensor<2x1x3x3x3xf32>
  %n = onnx.none
  %y = onnx.conv %x, %w, %n {layer = "conv3d", auto_pad = "NOTSET", dilations = array<i64: 1, 1, 1>, group = 1 : i64, kernel_shape = array<i64: 3, 3, 3>, pads = array<i64: 0, 0, 0, 0, 0, 0>, strides = array<i64: 1, 1, 1>} : (tensor<1x1x4x4x4xf32>, tensor<2x1x3x3x3xf32>, none) -> tensor<1x2x2x2x2xf32>
  func.return %y : tensor<1x2x2x2x2xf32>
}

// -----

/// Gather needs constant indices.
// CHECK: convert-onnx-to-nn @negative_gather_dynamic_indices: 1 unsupported: layer 'g' (Gather): Gather indices must be a constant
func.func @negative_gather_dynamic_indices(%x: tensor<4x3xf32>, %i: tensor<2xi64>) -> tensor<2x3xf32> {
  %y = onnx.gather %x, %i {layer = "g", axis = 0 : i64} : (tensor<4x3xf32>, tensor<2xi64>) -> tensor<2x3xf32>
  func.return %y : tensor<2x3xf32>
}

// -----

/// Every problem of a function is reported at once, in one line.
// CHECK: convert-onnx-to-nn @negative_all_reported: 3 unsupported: layer 'up' (Resize): Resize mode 'cubic' (supported: nearest, linear); layer 'up' (Resize): Resize scales/sizes must be constant; layer 'clip' (Clip): Clip bounds must be a constant
func.func @negative_all_reported(%x: tensor<1x1x4x4xf32>, %s: tensor<4xf32>, %lo: tensor<f32>) -> (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) {
  %n = onnx.none
  %y = onnx.resize %x, %n, %s, %n {layer = "up", antialias = 0 : i64, coordinate_transformation_mode = "half_pixel", cubic_coeff_a = -0.75 : f32, exclude_outside = 0 : i64, extrapolation_value = 0.0 : f32, keep_aspect_ratio_policy = "stretch", mode = "cubic", nearest_mode = "round_prefer_floor"} : (tensor<1x1x4x4xf32>, none, tensor<4xf32>, none) -> tensor<1x1x4x4xf32>
  %z = onnx.clip %x, %lo, %n {layer = "clip"} : (tensor<1x1x4x4xf32>, tensor<f32>, none) -> tensor<1x1x4x4xf32>
  func.return %y, %z : tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>
}
