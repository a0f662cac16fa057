namespace RaftKv.Host.Http;

/// <summary>The keys under a prefix, in key order; <see cref="Truncated"/> when there were more than were returned.</summary>
public sealed record KeyListView(IReadOnlyList<KeyValueView> Keys, bool Truncated);
