using RaftKv.Protocol;

namespace RaftKv.StateMachine;

/// <summary>One applied change, as kept in the event history: a put with the new value, or a delete.</summary>
public sealed record KvEvent(bool IsPut, string Key, byte[]? Value, long ModRevision, long Version)
{
    /// <summary>The wire form (the value parsed from its stored text).</summary>
    public WatchEvent ToWire() => new()
    {
        Type = IsPut ? WatchEvent.Put : WatchEvent.Delete,
        Key = Key,
        Value = Value is null ? null : JsonText.ToElement(Value),
        ModRevision = ModRevision,
        Version = Version,
    };

    /// <summary>Bytes this event holds on to, roughly (for the history's bound).</summary>
    internal long Size => 64 + Key.Length * 2L + (Value?.Length ?? 0);
}
