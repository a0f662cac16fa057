using System.Text.Json;

namespace RaftKv.Protocol;

/// <summary>One log entry as shown to a client (show-log): <see cref="Command"/> is the decoded command, or null for a no-op.</summary>
public sealed record LogEntryView
{
    public long Index { get; init; }
    public long Term { get; init; }

    /// <summary>"command", "noop" or "config".</summary>
    public string Type { get; init; } = "";
    public JsonElement? Command { get; init; }
}
