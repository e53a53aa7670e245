namespace VisionLab.Core;

/// <summary>
/// A failure the user can act on (a missing or mismatched file, an unusable folder, a run that diverged): the message
/// alone names the file or option, says what is wrong and what to do. Front ends show just the message; any other
/// exception is a bug and deserves its stack trace.
/// </summary>
public class ActionableException(string message, Exception? inner = null) : Exception(message, inner);
