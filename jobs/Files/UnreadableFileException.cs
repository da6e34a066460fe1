namespace JobTracker.Jobs.Files;

/// <summary>
/// A file the engine cannot read at all (binary, malformed JSON, unbalanced quote, wrong encoding,
/// empty, header only, no key column). The message is shown to the user as the job's reason, so it
/// says what is wrong and where (line or byte) in words a person can act on.
/// </summary>
public sealed class UnreadableFileException(string message) : Exception(message);
