namespace VisionLab.Models;

/// <summary>How a transformer classifier turns its sequence of tokens into one vector for the head.</summary>
public enum TokenPooling
{
    /// <summary>A learned class token is put in front of the patches; the head reads its output only (the guide's ViT).</summary>
    ClassToken,

    /// <summary>
    /// No class token: a learned score per token, softmaxed over the sequence, weights the average of all the tokens'
    /// outputs (sequence pooling, Hassani et al. 2021; the hybrid's).
    /// </summary>
    Sequence,
}
