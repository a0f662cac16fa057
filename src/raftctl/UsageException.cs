namespace RaftKv.Ctl;

/// <summary>The user's input is wrong; raftctl prints the message and the usage and exits with <see cref="ExitCodes.Usage"/> before sending anything.</summary>
internal sealed class UsageException(string message, Exception? innerException = null) : Exception(message, innerException);
