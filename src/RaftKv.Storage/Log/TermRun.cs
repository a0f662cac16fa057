namespace RaftKv.Storage.Log;

/// <summary>A run of consecutive log entries with the same term, starting at <see cref="FirstIndex"/>.</summary>
internal readonly record struct TermRun(long FirstIndex, long Term);
