using System.Text.Json;
using RaftKv.Protocol;

namespace RaftKv.Ctl.Commands;

/// <summary>The JSON shapes the data commands print, written in one place so that get, set, txn and watch agree.</summary>
internal static class KvJson
{
    /// <summary><c>{"key","value","createRevision","modRevision","version"[,"lease"]}</c>; value left out for keys-only reads.</summary>
    public static void WriteKv(Utf8JsonWriter writer, KeyValue kv)
    {
        writer.WriteStartObject();
        writer.WriteString("key", kv.Key);
        if (kv.Value is { } value)
        {
            writer.WritePropertyName("value");
            value.WriteTo(writer);
        }
        WriteRevisions(writer, kv);
        writer.WriteEndObject();
    }

    public static void WriteRevisions(Utf8JsonWriter writer, KeyValue kv)
    {
        writer.WriteNumber("createRevision", kv.CreateRevision);
        writer.WriteNumber("modRevision", kv.ModRevision);
        writer.WriteNumber("version", kv.Version);
        if (kv.Lease != 0) writer.WriteNumber("lease", kv.Lease);
    }

    /// <summary>One watch event: <c>{"type","key","value","modRevision","version"}</c> (no value for a delete).</summary>
    public static void WriteEvent(Utf8JsonWriter writer, WatchEvent e)
    {
        writer.WriteStartObject();
        writer.WriteString("type", e.Type);
        writer.WriteString("key", e.Key);
        if (e.Value is { } value)
        {
            writer.WritePropertyName("value");
            value.WriteTo(writer);
        }
        writer.WriteNumber("modRevision", e.ModRevision);
        writer.WriteNumber("version", e.Version);
        writer.WriteEndObject();
    }

    /// <summary>A failed condition: <c>{"status":"conditionFailed","key","found","value","createRevision","modRevision","version","revision"}</c>.</summary>
    public static void WriteConditionFailed(Utf8JsonWriter writer, string key, ClientResponse response)
    {
        writer.WriteStartObject();
        writer.WriteString("status", "conditionFailed");
        writer.WriteString("key", key);
        writer.WriteBoolean("found", response.Kv is not null);
        writer.WritePropertyName("value");
        if (response.Kv?.Value is { } value) value.WriteTo(writer);
        else writer.WriteNullValue();
        if (response.Kv is { } kv) WriteRevisions(writer, kv);
        if (response.Revision is { } revision) writer.WriteNumber("revision", revision);
        writer.WriteEndObject();
    }
}
