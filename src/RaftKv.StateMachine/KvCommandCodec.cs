using System.Buffers;
using System.Text;
using System.Text.Json;

namespace RaftKv.StateMachine;

/// <summary>
/// The bytes of a <see cref="KvCommand"/> in a Raft log entry: compact UTF-8 JSON such as
/// <c>{"op":"set","key":"k","value":1.10,"lease":7,"session":12,"seq":7}</c>,
/// <c>{"op":"delete","key":"p/","prefix":true}</c>, <c>{"op":"txn","txn":{"compare":[...],"success":[...],"failure":[...]}}</c>,
/// <c>{"op":"leaseGrant","ttl":10}</c>, <c>{"op":"leaseRevoke","lease":12}</c> or <c>{"op":"register"}</c>. The value is written as the
/// client wrote it (only whitespace between tokens is dropped). Fields an op does not use are left out.
/// </summary>
public static class KvCommandCodec
{
    private static readonly JsonElement JsonNull = JsonElement.Parse("null"u8);

    /// <summary>Encodes a command for the log.</summary>
    /// <exception cref="ArgumentException">The command breaks a rule that <see cref="Decode"/> would refuse.</exception>
    public static byte[] Encode(KvCommand c)
    {
        ArgumentNullException.ThrowIfNull(c);
        if (c.Op == KvOp.Register)
        {
            if (c != new KvCommand { Op = KvOp.Register })
                throw new ArgumentException("register takes no key, value, session or seq", nameof(c));
            return EncodeRegister();
        }
        if (!Enum.IsDefined(c.Op)) throw new ArgumentException($"unknown op {c.Op}", nameof(c));
        if (c.Op is KvOp.Set or KvOp.Delete)
        {
            if (c.Key is null || (c.Key.Length == 0 && !c.Prefix)) throw new ArgumentException("key must not be empty", nameof(c));
        }
        else if (c.Key is not null)
        {
            throw new ArgumentException($"{c.Op} takes no key", nameof(c));
        }
        if (c.Op == KvOp.Get) throw new ArgumentException("get is only an operation inside a transaction", nameof(c));
        if (c.Op != KvOp.Set && c.Value is not null) throw new ArgumentException($"{c.Op} takes no value", nameof(c));
        if (c.Value is { ValueKind: JsonValueKind.Undefined } || c.Txn is { ValueKind: JsonValueKind.Undefined })
            throw new ArgumentException("value is an undefined JsonElement (default(JsonElement)), not a JSON value", nameof(c));
        // The JSON writer would silently replace a lone surrogate with U+FFFD and store a different key.
        if (c.Key is not null && !IsValidUtf16(c.Key)) throw new ArgumentException("key is not valid UTF-16 (it has a lone surrogate)", nameof(c));
        if (c.Session < 0) throw new ArgumentException($"session must not be negative (got {c.Session})", nameof(c));
        if (c.Seq < 0) throw new ArgumentException($"seq must not be negative (got {c.Seq})", nameof(c));
        if (c.Session == 0 && c.Seq != 0) throw new ArgumentException("seq needs a session", nameof(c));
        if (c.Session != 0 && c.Seq == 0) throw new ArgumentException("a write of a session needs a seq of 1 or more", nameof(c));

        // A set of C# null stores the JSON value null: a client's "value": null arrives as a null JsonElement?.
        var toWrite = c.Op == KvOp.Set && c.Value is null ? c with { Value = JsonNull } : c;
        var bytes = JsonSerializer.SerializeToUtf8Bytes(toWrite, KvJsonContext.Default.KvCommand);

        // Read the bytes back with the parser every node applies with: whatever the checks above miss
        // is refused here, on the proposing node, instead of being committed and refused by every node.
        var rented = KvCommandParser.RentScratch(bytes.Length);
        Span<char> scratch = rented is null ? stackalloc char[KvCommandParser.StackScratchChars] : rented;
        try
        {
            KvCommandParser.Parse(bytes, scratch);
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"command cannot be encoded: {e.Message}", nameof(c), e);
        }
        finally
        {
            KvCommandParser.ReturnScratch(rented);
        }
        return bytes;
    }

    /// <summary>The bytes of a register command: <c>{"op":"register"}</c> (a new array each call).</summary>
    public static byte[] EncodeRegister() => "{\"op\":\"register\"}"u8.ToArray();

    /// <summary>Decodes a command from the log.</summary>
    /// <exception cref="FormatException">The bytes are not a valid command; the message says why.</exception>
    public static KvCommand Decode(ReadOnlySpan<byte> data)
    {
        var rented = KvCommandParser.RentScratch(data.Length);
        Span<char> scratch = rented is null ? stackalloc char[KvCommandParser.StackScratchChars] : rented;
        try
        {
            var parsed = KvCommandParser.Parse(data, scratch);
            return new KvCommand
            {
                Op = parsed.Op,
                Key = parsed.Op is KvOp.Set or KvOp.Delete ? new string(parsed.Key) : null,
                Value = parsed.Op == KvOp.Set ? JsonText.ToElement(parsed.Value) : null,
                Prefix = parsed.Prefix,
                Lease = parsed.Lease,
                Ttl = parsed.Ttl,
                Txn = parsed.Op == KvOp.Txn ? TxnDocument(data) : null,
                Session = parsed.Session,
                Seq = parsed.Seq,
            };
        }
        finally
        {
            KvCommandParser.ReturnScratch(rented);
        }
    }

    private static JsonElement TxnDocument(ReadOnlySpan<byte> command)
    {
        using var doc = JsonDocument.Parse(command.ToArray());
        return doc.RootElement.GetProperty("txn").Clone();
    }

    private static bool IsValidUtf16(ReadOnlySpan<char> text)
    {
        while (!text.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(text, out _, out var consumed) != OperationStatus.Done) return false;
            text = text[consumed..];
        }
        return true;
    }
}
