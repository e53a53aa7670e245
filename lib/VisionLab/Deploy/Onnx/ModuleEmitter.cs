using TorchSharp;
using TorchSharp.Modules;
using VisionLab.Models;
using static TorchSharp.torch;
using static VisionLab.Deploy.Onnx.OnnxGraphBuilder;

namespace VisionLab.Deploy.Onnx;

/// <summary>
/// Writes one module's evaluation-mode computation as ONNX nodes, recursively. Each case mirrors the module's
/// forward; the library's own modules are read through their state-dict names, as PyTorch's exporter sees them.
/// </summary>
internal sealed class ModuleEmitter(OnnxGraphBuilder graph, OnnxExportOptions options)
{
    /// <summary>Emits <paramref name="module"/> applied to the value <paramref name="input"/>; returns the output value.</summary>
    public string Emit(nn.Module module, string path, string input) => module switch
    {
        // ModernCNN's children are its stages in forward order (conv1 … avgpool, fc; the pool flattens), as TraceShapes records them.
        ModernCNN cnn => Chain(cnn.named_children(), path, input),
        ResidualBlock block => Residual(block, path, input),
        VisionTransformer vit => VisionTransformer(vit, path, input),
        Sequential sequential => SequentialChain(sequential, path, input),
        Conv2d conv => Conv(conv, null, path, input),
        BatchNorm2d bn => BatchNorm(bn, path, input),
        ReLU => graph.Node("Relu", new[] { input }, $"{path}relu"),
        GELU => Gelu(path, input),
        MaxPool2d pool => MaxPool(pool, path, input),
        AdaptiveAvgPool2d pool => AdaptiveAvgPool(pool, path, input),
        Linear linear => Gemm(linear, path, input),
        Dropout or Identity => input,
        LayerNorm norm => LayerNorm(norm, path, input),
        _ => throw new NotSupportedException(
            $"The ONNX exporter does not know the module '{(path.Length == 0 ? "(the model)" : path.TrimEnd('.'))}' of type {module.GetType().Name}. " +
            "It exports ModernCNN, VisionTransformer and Sequential compositions of Conv2d, BatchNorm2d, ReLU, GELU, MaxPool2d, AdaptiveAvgPool2d(1), Linear, LayerNorm, Dropout and Identity."),
    };

    static nn.Module Child(nn.Module module, string name) =>
        module.named_children().FirstOrDefault(c => c.name == name).module
        ?? throw new InvalidOperationException($"{module.GetType().Name} has no child '{name}'.");


    string Residual(ResidualBlock block, string path, string x)
    {
        var output = ConvBn(block, "conv1", "bn1", path, x);
        output = graph.Node("Relu", new[] { output }, $"{path}relu1");
        output = ConvBn(block, "conv2", "bn2", path, output);
        var shortcut = Emit(Child(block, "shortcut"), $"{path}shortcut.", x);
        var sum = graph.Node("Add", new[] { output, shortcut }, $"{path}add");
        return graph.Node("Relu", new[] { sum }, $"{path}relu2");
    }

    /// <summary>A Sequential, folding each Conv2d that a BatchNorm2d follows.</summary>
    string SequentialChain(Sequential sequential, string path, string x) => Chain(sequential.named_children(), path, x);

    /// <summary>Modules applied one after another, folding each Conv2d that a BatchNorm2d follows.</summary>
    string Chain(IEnumerable<(string name, nn.Module module)> stages, string path, string x)
    {
        var children = stages.ToList();
        for (int i = 0; i < children.Count; i++)
        {
            var (name, module) = children[i];
            if (module is Conv2d conv && options.FoldBatchNorm && i + 1 < children.Count && children[i + 1].module is BatchNorm2d bn)
            {
                x = Conv(conv, bn, $"{path}{name}.", x);
                i++;
            }
            else x = Emit(module, $"{path}{name}.", x);
        }
        return x;
    }

    string ConvBn(nn.Module owner, string convName, string bnName, string path, string x)
    {
        var conv = (Conv2d)Child(owner, convName);
        var bn = (BatchNorm2d)Child(owner, bnName);
        if (options.FoldBatchNorm) return Conv(conv, bn, $"{path}{convName}.", x);
        return BatchNorm(bn, $"{path}{bnName}.", Conv(conv, null, $"{path}{convName}.", x));
    }

    /// <summary>A convolution, with the batch norm after it folded in: w' = w·γ/√(σ²+ε), b' = (b − μ)·γ/√(σ²+ε) + β.</summary>
    string Conv(Conv2d conv, BatchNorm2d? bn, string path, string x)
    {
        if (conv.padding_type is not null || conv.padding_mode != TorchSharp.PaddingModes.Zeros)
            throw new NotSupportedException($"The ONNX exporter handles explicit zero padding only ('{path.TrimEnd('.')}' uses {conv.padding_type?.ToString() ?? conv.padding_mode.ToString()}).");
        using var scope = NewDisposeScope();
        var weight = conv.weight!.detach();
        var bias = conv.bias?.detach() ?? zeros(conv.out_channels, device: weight.device);
        if (bn is not null)
        {
            // Scalars held to the end of the block, alpha included: TorchSharp 0.107's `a + b` passes an implicit
            // alpha = 1 that the garbage collector can free during the native call (docs/reliability.md, "Known problems"; seen
            // here twice in CI). sub, mul and div take no Scalar.
            using var eps = bn.eps.ToScalar();
            using var one = 1.ToScalar();
            var scale = bn.weight.detach().div(bn.running_var!.add(eps, one).sqrt());
            weight = weight.mul(scale.view(-1, 1, 1, 1));
            bias = bias.sub(bn.running_mean!).mul(scale).add(bn.bias!.detach(), one);
        }
        var padding = conv.padding!;
        return graph.Node("Conv", new[] { x, graph.Initializer($"{path}weight", weight), graph.Initializer($"{path}bias", bias) }, $"{path}conv",
            Ints("kernel_shape", conv.kernel_size), Ints("strides", conv.stride), Ints("dilations", conv.dilation),
            Ints("pads", padding[0], padding[1], padding[0], padding[1]), Int("group", conv.groups));
    }

    string BatchNorm(BatchNorm2d bn, string path, string x) =>
        graph.Node("BatchNormalization", new[]
        {
            x, graph.Initializer($"{path}weight", bn.weight), graph.Initializer($"{path}bias", bn.bias!),
            graph.Initializer($"{path}running_mean", bn.running_mean!), graph.Initializer($"{path}running_var", bn.running_var!),
        }, $"{path}bn", Float("epsilon", (float)bn.eps));

    string MaxPool(MaxPool2d pool, string path, string x)
    {
        if (pool.dilation.Any(d => d != 1)) throw new NotSupportedException($"Dilated max-pooling ('{path.TrimEnd('.')}') is not exported.");
        var p = pool.padding;
        return graph.Node("MaxPool", new[] { x }, $"{path}maxpool",
            Ints("kernel_shape", pool.kernel_size), Ints("strides", pool.stride ?? pool.kernel_size), Ints("pads", p[0], p[1], p[0], p[1]), Int("ceil_mode", pool.ceil_mode ? 1 : 0));
    }

    /// <summary>AdaptiveAvgPool2d to 1x1 is a global average; the flatten that follows it in our models comes with it.</summary>
    string AdaptiveAvgPool(AdaptiveAvgPool2d pool, string path, string x)
    {
        using var probeInput = ones(1, 1, 7, 5);
        using var probe = pool.call(probeInput);
        if (probe.shape[2] != 1 || probe.shape[3] != 1)
            throw new NotSupportedException($"Only AdaptiveAvgPool2d to 1x1 is exported ('{path.TrimEnd('.')}' pools to {probe.shape[2]}x{probe.shape[3]}).");
        var pooled = graph.Node("GlobalAveragePool", new[] { x }, $"{path}gap");
        return graph.Node("Flatten", new[] { pooled }, $"{path}flatten", Int("axis", 1));
    }

    /// <summary>Linear on [B, F]: Gemm with the weight transposed by the attribute.</summary>
    string Gemm(Linear linear, string path, string x)
    {
        var inputs = new List<string> { x, graph.Initializer($"{path}weight", linear.weight!) };
        if (linear.bias is not null) inputs.Add(graph.Initializer($"{path}bias", linear.bias));
        return graph.Node("Gemm", inputs.ToArray(), $"{path}gemm", Int("transB", 1));
    }

    /// <summary>Linear on tokens [B, T, F]: MatMul with the transposed weight (folded) plus the bias.</summary>
    string TokenLinear(Tensor weight, Tensor? bias, string path, string x)
    {
        using var transposed = weight.detach().t().contiguous();
        var product = graph.Node("MatMul", new[] { x, graph.Initializer($"{path}weight_t", transposed) }, $"{path}matmul");
        return bias is null ? product : graph.Node("Add", new[] { product, graph.Initializer($"{path}bias", bias) }, $"{path}linear");
    }

    string LayerNorm(LayerNorm norm, string path, string x)
    {
        if (norm.normalized_shape.Length != 1) throw new NotSupportedException($"LayerNorm over more than the last dimension ('{path.TrimEnd('.')}') is not exported.");
        using var scale = norm.weight is null ? ones(norm.normalized_shape) : norm.weight.detach().clone();
        using var shift = norm.bias is null ? zeros(norm.normalized_shape) : norm.bias.detach().clone();
        return graph.Node("LayerNormalization", new[] { x, graph.Initializer($"{path}weight", scale), graph.Initializer($"{path}bias", shift) }, $"{path}ln",
            Int("axis", -1), Float("epsilon", (float)norm.eps));
    }

    /// <summary>Exact GELU, x·Φ(x) = 0.5·x·(1 + erf(x/√2)) (opset 20 adds a Gelu operator; 17 needs the formula).</summary>
    string Gelu(string path, string x)
    {
        var scaled = graph.Node("Mul", new[] { x, graph.Scalar($"{path}inv_sqrt2", (float)(1 / Math.Sqrt(2))) }, $"{path}gelu_scaled");
        var erf = graph.Node("Erf", new[] { scaled }, $"{path}gelu_erf");
        var onePlus = graph.Node("Add", new[] { erf, graph.Scalar($"{path}one", 1f) }, $"{path}gelu_1p");
        var half = graph.Node("Mul", new[] { x, graph.Scalar($"{path}half", 0.5f) }, $"{path}gelu_half");
        return graph.Node("Mul", new[] { half, onePlus }, $"{path}gelu");
    }

    string VisionTransformer(VisionTransformer vit, string path, string x)
    {
        var state = vit.state_dict();
        var embed = vit.PatchEmbed;
        // Patches: Conv with kernel = stride = patch size, then [B, E, g, g] -> [B, N, E].
        x = Conv((Conv2d)Child(embed, "proj"), null, $"{path}patch_embed.proj.", x);
        x = graph.Node("Reshape", new[] { x, graph.Int64s($"{path}patch_shape", new[] { 0, vit.EmbedDim, -1 }) }, $"{path}patch_flat");
        x = graph.Node("Transpose", new[] { x }, $"{path}patch_tokens", Ints("perm", 0, 2, 1));
        // The class token, expanded to the batch: Expand(cls, [B, 1, E]) with B read from the input's shape.
        var shape = graph.Node("Shape", new[] { x }, $"{path}token_shape");
        var batch = graph.Node("Slice", new[] { shape, graph.Int64s($"{path}zero", new[] { 0L }), graph.Int64s($"{path}one", new[] { 1L }) }, $"{path}batch");
        var clsShape = graph.Node("Concat", new[] { batch, graph.Int64s($"{path}cls_tail", new[] { 1, vit.EmbedDim }) }, $"{path}cls_shape", Int("axis", 0));
        var cls = graph.Node("Expand", new[] { graph.Initializer($"{path}cls_token", state["cls_token"]), clsShape }, $"{path}cls");
        x = graph.Node("Concat", new[] { cls, x }, $"{path}tokens", Int("axis", 1));
        x = graph.Node("Add", new[] { x, graph.Initializer($"{path}pos_embed", state["pos_embed"]) }, $"{path}embedded");
        var layers = Child(Child(vit, "transformer"), "layers");
        foreach (var (name, layer) in layers.named_children())
            x = TransformerBlock((TransformerBlock)layer, $"{path}transformer.layers.{name}.", x);
        // The class token: Gather index 0 on the token axis -> [B, E].
        x = graph.Node("Gather", new[] { x, graph.Int64s($"{path}cls_index", new[] { 0L }, scalar: true) }, $"{path}cls_out", Int("axis", 1));
        x = LayerNorm((LayerNorm)Child(vit, "norm"), $"{path}norm.", x);
        return Gemm((Linear)Child(vit, "head"), $"{path}head.", x);
    }

    string TransformerBlock(TransformerBlock block, string path, string x)
    {
        var attention = (MultiheadSelfAttention)Child(block, "self_attn");
        var norm1 = (LayerNorm)Child(block, "norm1");
        var norm2 = (LayerNorm)Child(block, "norm2");
        if (block.NormFirst)
        {
            x = graph.Node("Add", new[] { x, SelfAttention(attention, $"{path}self_attn.", LayerNorm(norm1, $"{path}norm1.", x)) }, $"{path}residual1");
            return graph.Node("Add", new[] { x, FeedForward(block, path, LayerNorm(norm2, $"{path}norm2.", x)) }, $"{path}residual2");
        }
        x = LayerNorm(norm1, $"{path}norm1.", graph.Node("Add", new[] { x, SelfAttention(attention, $"{path}self_attn.", x) }, $"{path}residual1"));
        return LayerNorm(norm2, $"{path}norm2.", graph.Node("Add", new[] { x, FeedForward(block, path, x) }, $"{path}residual2"));
    }

    string FeedForward(TransformerBlock block, string path, string x)
    {
        var linear1 = (Linear)Child(block, "linear1");
        var linear2 = (Linear)Child(block, "linear2");
        var hidden = Gelu($"{path}", TokenLinear(linear1.weight!, linear1.bias, $"{path}linear1.", x));
        return TokenLinear(linear2.weight!, linear2.bias, $"{path}linear2.", hidden);
    }

    /// <summary>Scaled dot-product attention over [B, T, E] with the packed in-projection, as nn.MultiheadAttention.</summary>
    string SelfAttention(MultiheadSelfAttention attention, string path, string x)
    {
        var state = attention.state_dict();
        long heads = attention.NumHeads, embed = attention.EmbedDim, headDim = embed / heads;
        var qkv = TokenLinear(state["in_proj_weight"], state["in_proj_bias"], $"{path}in_proj.", x);
        qkv = graph.Node("Reshape", new[] { qkv, graph.Int64s($"{path}qkv_shape", new[] { 0, 0, 3, heads, headDim }) }, $"{path}qkv_split");
        qkv = graph.Node("Transpose", new[] { qkv }, $"{path}qkv_heads", Ints("perm", 2, 0, 3, 1, 4));    // [3, B, H, T, D]
        string Part(long index, string name) =>
            graph.Node("Gather", new[] { qkv, graph.Int64s($"{path}{name}_index", new[] { index }, scalar: true) }, $"{path}{name}", Int("axis", 0));
        var q = graph.Node("Mul", new[] { Part(0, "q"), graph.Scalar($"{path}scale", (float)(1 / Math.Sqrt(headDim))) }, $"{path}q_scaled");
        var kT = graph.Node("Transpose", new[] { Part(1, "k") }, $"{path}k_t", Ints("perm", 0, 1, 3, 2));
        var weights = graph.Node("Softmax", new[] { graph.Node("MatMul", new[] { q, kT }, $"{path}scores") }, $"{path}weights", Int("axis", -1));
        var attended = graph.Node("MatMul", new[] { weights, Part(2, "v") }, $"{path}attended");               // [B, H, T, D]
        attended = graph.Node("Transpose", new[] { attended }, $"{path}attended_t", Ints("perm", 0, 2, 1, 3));
        attended = graph.Node("Reshape", new[] { attended, graph.Int64s($"{path}merge_shape", new[] { 0, 0, embed }) }, $"{path}merged");
        var outProj = (Linear)Child(attention, "out_proj");
        return TokenLinear(outProj.weight!, outProj.bias, $"{path}out_proj.", attended);
    }
}
