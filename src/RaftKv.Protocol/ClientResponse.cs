using System.Text.Json;

namespace RaftKv.Protocol;

/// <summary>The answer to a <see cref="ClientRequest"/> with the same <see cref="Id"/>.</summary>
public sealed record ClientResponse
{
    public long Id { get; init; }
    public ClientStatus Status { get; init; }

    /// <summary>Who this node believes leads (every response carries it, when known).</summary>
    public int? LeaderId { get; init; }
    public string? LeaderAddress { get; init; }

    /// <summary>Get of one key: the value. Set: the value stored.</summary>
    public JsonElement? Value { get; init; }

    /// <summary>Get without a key: every key and value.</summary>
    public Dictionary<string, JsonElement>? Values { get; init; }

    /// <summary>Writes: the log index the write was committed at.</summary>
    public long? Index { get; init; }

    /// <summary>Register: the new session's id (the log index of its register entry).</summary>
    public long? Session { get; init; }

    public NodeStatus? Node { get; init; }
    public LogEntryView[]? Entries { get; init; }

    /// <summary>A human-readable reason for anything but Ok.</summary>
    public string? Error { get; init; }
}
