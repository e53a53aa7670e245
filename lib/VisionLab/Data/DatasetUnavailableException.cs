namespace VisionLab.Data;

/// <summary>A dataset is not on this machine and could not be fetched; the message lists what to do instead.</summary>
public sealed class DatasetUnavailableException(string message, Exception? inner = null) : Core.ActionableException(message, inner);
