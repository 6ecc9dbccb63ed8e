// RUN: edgeai-opt %s --pass-pipeline=convert-tfl-to-nn --split-input-file --verify-diagnostics | filecheck %s

/// Every operator without an `nn` form is reported at once with its layer (op index) and reason;
/// the ops after a failed one are still checked.
// CHECK: convert-tfl-to-nn @negative_listed_at_once: 2 unsupported: svdf_0 (SVDF): no nn form yet (nn has no recurrent cell op); add_1 (ADD): fused activation TANH
func.func @negative_listed_at_once(%x: tensor<1x4xf32>) -> tensor<1x3xf32> {
  %wf = tfl.const dense<0.1> : tensor<3x4xf32>
  %wt = tfl.const dense<0.2> : tensor<3x4xf32>
  %n = tfl.no_value
  %state = tfl.const dense<0.0> {tfl.variable} : tensor<1x12xf32>
  %s = tfl.svdf %x, %wf, %wt, %n, %state {layer = "svdf_0", asymmetric_quantize_inputs = 0 : i64, fused_activation_function = "RELU", rank = 1 : i64} : (tensor<1x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>, none, tensor<1x12xf32>) -> tensor<1x3xf32>
  %y = tfl.add %s, %s {layer = "add_1", fused_activation_function = "TANH", pot_scale_int16 = 1 : i64} : (tensor<1x3xf32>, tensor<1x3xf32>) -> tensor<1x3xf32>
  func.return %y : tensor<1x3xf32>
}

// -----

/// MEAN needs constant axes.
// CHECK: convert-tfl-to-nn @negative_mean_dynamic_axes: 1 unsupported: mean_0 (MEAN): MEAN axis must be a constant
func.func @negative_mean_dynamic_axes(%x: tensor<2x3xf32>, %a: tensor<1xi32>) -> tensor<2xf32> {
  %y = tfl.mean %x, %a {layer = "mean_0", keep_dims = 0 : i64} : (tensor<2x3xf32>, tensor<1xi32>) -> tensor<2xf32>
  func.return %y : tensor<2xf32>
}
