using System.Text.Json;

namespace RaftKv.StateMachine;

/// <summary>
/// Builds transaction documents for the writes that are transactions underneath: a guarded set or
/// delete is <c>if (guards) then (the write) else (get the key)</c>, so that a failed condition
/// answers with the key as it is, in one log entry.
/// </summary>
public static class TxnDocuments
{
    /// <summary>The transaction of a set (<paramref name="value"/> not null) or delete of <paramref name="key"/> under <paramref name="guards"/>.</summary>
    public static JsonElement Guarded(string key, JsonElement? value, long lease, bool prefix, IReadOnlyList<Guard> guards)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(guards);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteStartArray("compare");
            foreach (var g in guards)
            {
                w.WriteStartObject();
                w.WriteString("key", key);
                w.WriteString("target", TargetName(g.Target));
                w.WriteString("op", "=");
                w.WritePropertyName("value");
                if (g.Target == CompareTarget.Value)
                {
                    if (g.Value is not { ValueKind: not JsonValueKind.Undefined } v) throw new ArgumentException("a value guard needs a value", nameof(guards));
                    v.WriteTo(w);
                }
                else
                {
                    w.WriteNumberValue(g.Number);
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("success");
            w.WriteStartObject();
            w.WriteString("op", value is null ? "delete" : "set");
            w.WriteString("key", key);
            if (value is { } set)
            {
                w.WritePropertyName("value");
                set.WriteTo(w);
            }
            if (lease != 0) w.WriteNumber("lease", lease);
            if (prefix) w.WriteBoolean("prefix", true);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteStartArray("failure");
            w.WriteStartObject();
            w.WriteString("op", "get");
            w.WriteString("key", key);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return JsonElement.Parse(stream.ToArray());
    }

    /// <summary>The wire name of a comparison target.</summary>
    public static string TargetName(CompareTarget target) => target switch
    {
        CompareTarget.Version => "version",
        CompareTarget.CreateRevision => "createRevision",
        CompareTarget.ModRevision => "modRevision",
        CompareTarget.Value => "value",
        _ => "lease",
    };
}
