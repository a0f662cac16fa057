namespace RaftKv.Node.Events;

public enum StorageEventKind
{
    Persisted,
    Compacted,
    DiskFull,
    Failed,
}
