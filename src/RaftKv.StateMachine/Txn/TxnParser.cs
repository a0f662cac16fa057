using System.Text;
using System.Text.Json;

namespace RaftKv.StateMachine;

/// <summary>
/// Reads a transaction document, the same on the wire and in the log:
/// <code>
/// {"compare": [{"key":"k","target":"version","op":"=","value":0}, ...],
///  "success": [{"op":"set","key":"k","value":1,"lease":7}, {"op":"delete","key":"p/","prefix":true}, {"op":"get","key":"k"}],
///  "failure": [...]}
/// </code>
/// Every list may be empty or left out. Strict like <see cref="KvCommandParser"/>: an unknown or
/// misplaced property is an error, so every node reads the same transaction.
/// </summary>
internal static class TxnParser
{
    /// <summary>Most comparisons plus operations in one transaction.</summary>
    public const int MaxParts = 128;

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = JsonText.MaxValueDepth + 4 };

    /// <exception cref="FormatException">The document is not a valid transaction; the message says why.</exception>
    public static TxnRequest Parse(ReadOnlySpan<byte> document)
    {
        try
        {
            using var doc = JsonDocument.Parse(document.ToArray(), Options);
            return Read(doc.RootElement);
        }
        catch (JsonException e)
        {
            throw new FormatException($"txn is not valid JSON: {e.Message}", e);
        }
    }

    private static TxnRequest Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new FormatException("txn must be a JSON object with compare, success and failure");
        TxnCompare[] compare = [];
        TxnOperation[] success = [], failure = [];
        foreach (var p in root.EnumerateObject())
        {
            switch (p.Name)
            {
                case "compare": compare = List(p.Value, "compare", ReadCompare); break;
                case "success": success = List(p.Value, "success", ReadOperation); break;
                case "failure": failure = List(p.Value, "failure", ReadOperation); break;
                default: throw new FormatException($"txn has unknown property \"{Clip(p.Name)}\" (expected compare, success, failure)");
            }
        }
        if (compare.Length + success.Length + failure.Length > MaxParts)
            throw new FormatException($"txn has more than {MaxParts} comparisons and operations");
        return new TxnRequest(compare, success, failure);
    }

    private static T[] List<T>(JsonElement list, string name, Func<JsonElement, string, T> read)
    {
        if (list.ValueKind != JsonValueKind.Array) throw new FormatException($"txn {name} must be an array");
        if (list.GetArrayLength() > MaxParts) throw new FormatException($"txn {name} has more than {MaxParts} entries");
        var result = new T[list.GetArrayLength()];
        var i = 0;
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object) throw new FormatException($"txn {name}[{i}] must be an object");
            result[i] = read(item, $"{name}[{i}]");
            i++;
        }
        return result;
    }

    private static TxnCompare ReadCompare(JsonElement item, string at)
    {
        string? key = null, target = null, op = null;
        JsonElement? value = null;
        foreach (var p in item.EnumerateObject())
        {
            switch (p.Name)
            {
                case "key": key = String(p.Value, at, "key"); break;
                case "target": target = String(p.Value, at, "target"); break;
                case "op": op = String(p.Value, at, "op"); break;
                case "value": value = p.Value; break;
                default: throw new FormatException($"txn {at} has unknown property \"{Clip(p.Name)}\" (expected key, target, op, value)");
            }
        }
        if (string.IsNullOrEmpty(key)) throw new FormatException($"txn {at} needs a non-empty \"key\"");
        var t = target switch
        {
            "version" => CompareTarget.Version,
            "createRevision" => CompareTarget.CreateRevision,
            "modRevision" => CompareTarget.ModRevision,
            "value" => CompareTarget.Value,
            "lease" => CompareTarget.Lease,
            null => throw new FormatException($"txn {at} needs a \"target\""),
            _ => throw new FormatException($"txn {at} has unknown target \"{Clip(target)}\" (expected version, createRevision, modRevision, value, lease)"),
        };
        var o = op switch
        {
            "=" => CompareOp.Equal,
            "!=" => CompareOp.NotEqual,
            "<" => CompareOp.Less,
            ">" => CompareOp.Greater,
            null => throw new FormatException($"txn {at} needs an \"op\""),
            _ => throw new FormatException($"txn {at} has unknown op \"{Clip(op)}\" (expected =, !=, <, >)"),
        };
        if (value is not { } v) throw new FormatException($"txn {at} needs a \"value\"");
        if (t == CompareTarget.Value)
        {
            if (o is not (CompareOp.Equal or CompareOp.NotEqual)) throw new FormatException($"txn {at}: a value can only be compared with = or !=");
            return new TxnCompare(key, t, o, 0, Raw(v));
        }
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out var number) || number < 0)
            throw new FormatException($"txn {at}: {target} is compared with a whole number >= 0");
        return new TxnCompare(key, t, o, number, null);
    }

    private static TxnOperation ReadOperation(JsonElement item, string at)
    {
        string? op = null, key = null;
        JsonElement? value = null;
        var prefix = false;
        long lease = 0;
        foreach (var p in item.EnumerateObject())
        {
            switch (p.Name)
            {
                case "op": op = String(p.Value, at, "op"); break;
                case "key": key = String(p.Value, at, "key"); break;
                case "value": value = p.Value; break;
                case "prefix":
                    if (p.Value.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) throw new FormatException($"txn {at}: prefix must be true or false");
                    prefix = p.Value.GetBoolean();
                    break;
                case "lease":
                    if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt64(out lease) || lease < 0)
                        throw new FormatException($"txn {at}: lease must be a whole number >= 0");
                    break;
                default: throw new FormatException($"txn {at} has unknown property \"{Clip(p.Name)}\" (expected op, key, value, prefix, lease)");
            }
        }
        var kind = op switch
        {
            "set" => KvOp.Set,
            "delete" => KvOp.Delete,
            "get" => KvOp.Get,
            null => throw new FormatException($"txn {at} needs an \"op\""),
            _ => throw new FormatException($"txn {at} has unknown op \"{Clip(op)}\" (expected set, delete, get)"),
        };
        if (key is null) throw new FormatException($"txn {at} needs a \"key\"");
        if (key.Length == 0 && !prefix) throw new FormatException($"txn {at}: the key must not be empty (unless prefix is true)");
        if (!IsValidUtf16(key)) throw new FormatException($"txn {at}: the key is not valid UTF-16");
        if (Encoding.UTF8.GetByteCount(key) > KvLimits.MaxKeyBytes) throw new FormatException($"txn {at}: the key is longer than {KvLimits.MaxKeyBytes} bytes");
        switch (kind)
        {
            case KvOp.Set:
                if (value is null) throw new FormatException($"txn {at}: set needs a \"value\"");
                if (prefix) throw new FormatException($"txn {at}: set takes no prefix");
                break;
            default:
                if (value is not null) throw new FormatException($"txn {at}: {op} takes no value");
                if (lease != 0) throw new FormatException($"txn {at}: {op} takes no lease");
                break;
        }
        return new TxnOperation(kind, key, prefix, value is { } v ? Raw(v) : null, lease);
    }

    private static string String(JsonElement value, string at, string name)
    {
        if (value.ValueKind != JsonValueKind.String) throw new FormatException($"txn {at}: {name} must be a string");
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            throw new FormatException($"txn {at}: {name} is not a valid string", e);
        }
    }

    private static byte[] Raw(JsonElement value) => JsonText.Minify(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(value)).ToArray();

    private static bool IsValidUtf16(string text)
    {
        var span = text.AsSpan();
        while (!span.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(span, out _, out var consumed) != System.Buffers.OperationStatus.Done) return false;
            span = span[consumed..];
        }
        return true;
    }

    private static string Clip(string text) => text.Length > 64 ? string.Concat(text.AsSpan(0, 64), "…") : text;
}
