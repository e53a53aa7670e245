namespace VisionLab.Data;

/// <summary>An image file too large to decode safely.</summary>
public sealed class ImageTooLargeException(string message) : Core.ActionableException(message);
