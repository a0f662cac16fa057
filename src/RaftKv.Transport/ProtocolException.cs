namespace RaftKv.Transport;

/// <summary>
/// The bytes a remote sent are not a valid frame of the protocol (malformed JSON, an unknown or missing message type,
/// a negative index, a wrong hello, ...). The connection they came on must be closed; nothing else is affected.
/// </summary>
public sealed class ProtocolException : Exception
{
    public ProtocolException(string message) : base(message)
    {
    }

    public ProtocolException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
