namespace RaftKv.Storage;

/// <summary>
/// The disk (or quota) is full. The batch that hit it was not made durable and was rolled back: the
/// files and the in-memory state are as they were before the call, so nothing acknowledged is lost and
/// the call can be retried once space is freed.
/// </summary>
public sealed class StorageFullException : IOException
{
    public StorageFullException(string message, IOException inner)
        : base(message, inner)
    {
        HResult = inner.HResult;
    }
}
