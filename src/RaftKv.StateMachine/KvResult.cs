using System.Runtime.InteropServices;
using System.Text.Json;

namespace RaftKv.StateMachine;

/// <summary>
/// The outcome of applying one command. Set: <see cref="Found"/> is true and <see cref="Value"/> is
/// the value stored. Delete: <see cref="Found"/> says whether the key existed; <see cref="Value"/> is
/// null. <see cref="Kind"/> says whether the command was applied now or answered from the client's session.
/// </summary>
/// <remarks>
/// Apply runs on every node for every write, but only the leader answers a client, so the value is
/// kept as its stored UTF-8 text and parsed into a <see cref="JsonElement"/> only when
/// <see cref="Value"/> is read. Two results are equal when Found, Kind and the value's JSON text are equal.
/// </remarks>
public readonly record struct KvResult
{
    private readonly byte[]? _utf8Value;
    private readonly JsonElement? _element;

    public KvResult(bool Found, JsonElement? Value)
    {
        this.Found = Found;
        _element = Value;
        Kind = KvResultKind.Applied;
    }

    internal KvResult(bool found, byte[]? utf8Value, KvResultKind kind)
    {
        Found = found;
        _utf8Value = utf8Value;
        Kind = kind;
    }

    /// <summary>The result of a command older than its client's last one (see <see cref="KvResultKind.Duplicate"/>).</summary>
    public static KvResult Duplicate { get; } = new(false, null, KvResultKind.Duplicate);

    /// <summary>The result of a register command: the new session's id is the entry's log index.</summary>
    public static KvResult Registered { get; } = new(false, null, KvResultKind.Registered);

    /// <summary>The result of a command whose session does not exist (see <see cref="KvResultKind.SessionExpired"/>).</summary>
    public static KvResult SessionExpired { get; } = new(false, null, KvResultKind.SessionExpired);

    public bool Found { get; }

    /// <summary>Set: the value stored (a new element on each read). Otherwise null.</summary>
    public JsonElement? Value => _element ?? (_utf8Value is null ? null : JsonText.ToElement(_utf8Value));

    public KvResultKind Kind { get; }

    /// <summary>
    /// The revision of the command: the log index it was applied at. A remembered result carries the revision
    /// the original was applied at (0 when the session came from a snapshot, which does not keep it); a duplicate 0.
    /// </summary>
    public long Revision { get; init; }

    /// <summary>Delete, lease revoke: how many keys were removed.</summary>
    public long Deleted { get; init; }

    /// <summary>Txn: whether the comparisons held (the success branch ran). Null for other commands.</summary>
    public bool? Succeeded { get; init; }

    /// <summary>Txn: one result per operation of the branch that ran.</summary>
    public IReadOnlyList<RaftKv.Protocol.TxnOpResponse>? Responses { get; init; }

    /// <summary>LeaseGrant: the id of the new lease (its revision).</summary>
    public long LeaseId { get; init; }

    /// <summary><see cref="KvResultKind.Rejected"/>: why.</summary>
    public string? Error { get; init; }

    /// <summary>True when the command was not applied because its client had already sent a newer one.</summary>
    public bool IsDuplicate => Kind == KvResultKind.Duplicate;

    /// <summary>True when the command was refused, unapplied, because its session does not exist (never registered, or expired).</summary>
    public bool IsSessionExpired => Kind == KvResultKind.SessionExpired;

    public void Deconstruct(out bool Found, out JsonElement? Value)
    {
        Found = this.Found;
        Value = this.Value;
    }

    public bool Equals(KvResult other)
        => Found == other.Found && Kind == other.Kind && RawValue.SequenceEqual(other.RawValue) && HasValue == other.HasValue;

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Found);
        hash.Add(Kind);
        hash.AddBytes(RawValue);
        return hash.ToHashCode();
    }

    /// <summary>The stored text of a set's value (shared with the store, never mutated).</summary>
    internal byte[]? StoredValue => _utf8Value;

    private bool HasValue => _utf8Value is not null || _element is not null;

    private ReadOnlySpan<byte> RawValue
        => _utf8Value ?? (_element is { ValueKind: not JsonValueKind.Undefined } element ? JsonMarshal.GetRawUtf8Value(element) : default);
}
