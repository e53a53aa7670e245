using static TorchSharp.torch;

namespace VisionLab.Deploy;

/// <summary>
/// An engine is a function from a prepared batch [N, C, H, W] to logits [N, classes]: what the predictor, the
/// accuracy and speed benchmarks take, whether TorchSharp, ONNX Runtime (<see cref="OnnxModel.Run"/>) or TorchScript
/// (<see cref="TorchScriptModel"/>) runs the model.
/// </summary>
public static class InferenceEngine
{
    /// <summary>A TorchSharp model as an engine: evaluation mode, and inference mode around each call (no autograd).</summary>
    public static Func<Tensor, Tensor> FromModel(nn.Module<Tensor, Tensor> model)
    {
        model.eval();
        return input =>
        {
            using var noGrad = inference_mode();
            return model.call(input);
        };
    }
}
