namespace RaftKv.Client;

/// <summary>A node connection closed (refused, reset, malformed answer, disposed) before the answer came.</summary>
internal sealed class ConnectionLostException(string message, Exception? innerException = null)
    : IOException(message, innerException);
