using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;

namespace RaftKv.StateMachine;

/// <summary>
/// The one reader of encoded commands. Decode (the leader's check before proposing), Apply (every
/// node) and Describe (show-log) all go through it, so a command one of them accepts the others accept
/// too. It is strict on purpose: an unknown or repeated property is an error rather than silently
/// ignored, because a node that skipped a field it did not understand would apply a different command
/// than its peers.
/// </summary>
internal static class KvCommandParser
{
    /// <summary>Commands no longer than this (in bytes) are parsed with scratch space on the stack.</summary>
    public const int StackScratchChars = 256;

    // The command object adds one level above the value.
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = JsonText.MaxValueDepth + 1 };

    [Flags]
    private enum Field
    {
        None = 0,
        Op = 1,
        Key = 2,
        Value = 4,
        Session = 8,
        Seq = 16,
        Prefix = 32,
        Lease = 64,
        Ttl = 128,
        Txn = 256,
    }

    /// <summary>Rents scratch space for <see cref="Parse"/> when the command is too long for the stack.</summary>
    public static char[]? RentScratch(int commandLength)
        => commandLength <= StackScratchChars ? null : ArrayPool<char>.Shared.Rent(commandLength);

    public static void ReturnScratch(char[]? rented)
    {
        if (rented is not null) ArrayPool<char>.Shared.Return(rented);
    }

    /// <summary>
    /// Reads one command. <paramref name="scratch"/> must hold at least <c>command.Length</c> chars
    /// (unescaped strings are never longer than their UTF-8 form).
    /// </summary>
    /// <exception cref="FormatException">The bytes are not a valid command; the message says why.</exception>
    public static ParsedCommand Parse(ReadOnlySpan<byte> command, Span<char> scratch)
    {
        try
        {
            return ParseCore(command, scratch);
        }
        catch (JsonException e)
        {
            throw new FormatException($"command is not valid JSON: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            // Utf8JsonReader.CopyString refuses escapes that do not form valid UTF-16 (a lone surrogate).
            throw new FormatException($"command has an invalid string: {e.Message}", e);
        }
    }

    private static ParsedCommand ParseCore(ReadOnlySpan<byte> command, Span<char> scratch)
    {
        if (command.IsEmpty) throw new FormatException("command is empty");
        // The reader checks UTF-8 only in strings it unescapes; a value is stored unread, so check it all here.
        if (!Utf8.IsValid(command)) throw new FormatException("command is not valid UTF-8");
        if (scratch.Length < command.Length) throw new ArgumentException("scratch is shorter than the command", nameof(scratch));

        var reader = new Utf8JsonReader(command, ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            throw new FormatException("command must be a JSON object");

        var seen = Field.None;
        var op = KvOp.Set;
        ReadOnlySpan<char> key = default;
        ReadOnlySpan<byte> value = default;
        long session = 0;
        long seq = 0;
        var prefix = false;
        long lease = 0;
        long ttl = 0;
        TxnRequest? txn = null;
        var used = 0;

        while (true)
        {
            ReadOrFail(ref reader);
            if (reader.TokenType == JsonTokenType.EndObject) break;

            var field = NameOf(ref reader);
            if ((seen & field) != 0) throw new FormatException($"command has property \"{Name(field)}\" twice");
            seen |= field;
            ReadOrFail(ref reader);

            switch (field)
            {
                case Field.Op:
                    ExpectString(ref reader, "op");
                    if (reader.ValueTextEquals("set"u8)) op = KvOp.Set;
                    else if (reader.ValueTextEquals("delete"u8)) op = KvOp.Delete;
                    else if (reader.ValueTextEquals("txn"u8)) op = KvOp.Txn;
                    else if (reader.ValueTextEquals("leaseGrant"u8)) op = KvOp.LeaseGrant;
                    else if (reader.ValueTextEquals("leaseRevoke"u8)) op = KvOp.LeaseRevoke;
                    else if (reader.ValueTextEquals("register"u8)) op = KvOp.Register;
                    else throw new FormatException($"unknown op \"{Clip(reader.GetString())}\" (expected set, delete, txn, leaseGrant, leaseRevoke or register)");
                    break;

                case Field.Key:
                    ExpectString(ref reader, "key");
                    var keyLength = reader.CopyString(scratch[used..]);
                    key = scratch.Slice(used, keyLength);
                    used += keyLength;
                    break;

                case Field.Value:
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    value = command[start..(int)reader.BytesConsumed];
                    break;

                case Field.Session:
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out session))
                        throw new FormatException("session must be a whole number");
                    break;

                case Field.Seq:
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out seq))
                        throw new FormatException("seq must be a whole number");
                    break;

                case Field.Prefix:
                    if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False)) throw new FormatException("prefix must be true or false");
                    prefix = reader.GetBoolean();
                    break;

                case Field.Lease:
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out lease) || lease < 0)
                        throw new FormatException("lease must be a whole number >= 0");
                    break;

                case Field.Ttl:
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out ttl) || ttl < 1 || ttl > KvLimits.MaxLeaseTtlSeconds)
                        throw new FormatException($"ttl must be a whole number of seconds from 1 to {KvLimits.MaxLeaseTtlSeconds}");
                    break;

                case Field.Txn:
                    var txnStart = (int)reader.TokenStartIndex;
                    reader.Skip();
                    txn = TxnParser.Parse(command[txnStart..(int)reader.BytesConsumed]);
                    break;
            }
        }

        if (reader.Read()) throw new FormatException("command has data after its closing brace");

        if ((seen & Field.Op) == 0) throw new FormatException("command has no \"op\"");
        if (op == KvOp.Register)
        {
            // The entry's own index is the session id: a register carries nothing else.
            if (seen != Field.Op) throw new FormatException("register takes no key, value, session or seq");
            return new ParsedCommand { Op = op };
        }
        var hasValue = (seen & Field.Value) != 0;
        var allowed = op switch
        {
            KvOp.Set => Field.Key | Field.Value | Field.Lease,
            KvOp.Delete => Field.Key | Field.Prefix,
            KvOp.Txn => Field.Txn,
            KvOp.LeaseGrant => Field.Ttl,
            _ => Field.Lease,
        } | Field.Op | Field.Session | Field.Seq;
        if ((seen & ~allowed) is var extra and not Field.None)
            throw new FormatException($"{OpName(op)} takes no \"{Name(LowestFlag(extra))}\"");
        switch (op)
        {
            case KvOp.Set or KvOp.Delete:
                if ((seen & Field.Key) == 0) throw new FormatException("command has no \"key\"");
                if (key.IsEmpty && !prefix) throw new FormatException("key must not be empty");
                if (op == KvOp.Set && !hasValue) throw new FormatException("set needs a \"value\"");
                break;
            case KvOp.Txn when txn is null:
                throw new FormatException("txn needs a \"txn\" document");
            case KvOp.LeaseGrant when ttl == 0:
                throw new FormatException("leaseGrant needs a \"ttl\"");
            case KvOp.LeaseRevoke when lease == 0:
                throw new FormatException("leaseRevoke needs a \"lease\"");
        }
        if (session < 0) throw new FormatException($"session must not be negative (got {session})");
        if (seq < 0) throw new FormatException($"seq must not be negative (got {seq})");
        if (session == 0 && seq != 0) throw new FormatException("seq needs a session");
        if (session != 0 && seq == 0) throw new FormatException("a write of a session needs a seq of 1 or more");

        return new ParsedCommand
        {
            Op = op,
            Key = key,
            Value = value,
            Session = session,
            Seq = seq,
            Prefix = prefix,
            Lease = lease,
            Ttl = ttl,
            Txn = txn,
        };
    }

    private static void ReadOrFail(ref Utf8JsonReader reader)
    {
        if (!reader.Read()) throw new FormatException("command ends early");
    }

    private static Field NameOf(ref Utf8JsonReader reader)
    {
        if (reader.ValueTextEquals("op"u8)) return Field.Op;
        if (reader.ValueTextEquals("key"u8)) return Field.Key;
        if (reader.ValueTextEquals("value"u8)) return Field.Value;
        if (reader.ValueTextEquals("session"u8)) return Field.Session;
        if (reader.ValueTextEquals("seq"u8)) return Field.Seq;
        if (reader.ValueTextEquals("prefix"u8)) return Field.Prefix;
        if (reader.ValueTextEquals("lease"u8)) return Field.Lease;
        if (reader.ValueTextEquals("ttl"u8)) return Field.Ttl;
        if (reader.ValueTextEquals("txn"u8)) return Field.Txn;
        throw new FormatException($"command has unknown property \"{Clip(reader.GetString())}\"");
    }

    private static Field LowestFlag(Field fields) => (Field)((int)fields & -(int)fields);

    private static string OpName(KvOp op) => op switch
    {
        KvOp.LeaseGrant => "leaseGrant",
        KvOp.LeaseRevoke => "leaseRevoke",
        _ => op.ToString().ToLowerInvariant(),
    };

    private static string Name(Field field) => field.ToString().ToLowerInvariant();

    // Error messages quote what they refuse, but never a megabyte of it.
    private static string? Clip(string? text) => text is { Length: > 64 } ? string.Concat(text.AsSpan(0, 64), "…") : text;

    private static void ExpectString(ref Utf8JsonReader reader, string name)
    {
        if (reader.TokenType != JsonTokenType.String) throw new FormatException($"{name} must be a string");
    }
}
