using System.Text;
using RaftKv.Protocol;
using RaftKv.StateMachine;

namespace RaftKv.Replica;

/// <summary>
/// The data API's side of the client protocol, kept out of the event loop: which requests are writes,
/// how a request becomes a log command (a guarded set or delete is a transaction underneath), and the
/// checks that refuse bad input before anything is proposed. Pure functions, so each rule has a test.
/// </summary>
public static class DataRequests
{
    /// <summary>Requests that go through the log.</summary>
    public static bool IsWrite(ClientOp op) => op is ClientOp.Set or ClientOp.Delete or ClientOp.Txn or ClientOp.LeaseGrant or ClientOp.LeaseRevoke;

    /// <summary>Requests only the leader answers (writes, linearizable reads and the lease clock, which only the leader runs).</summary>
    public static bool NeedsLeader(ClientRequest request) =>
        IsWrite(request.Op) || (request.Op == ClientOp.Get && !request.Stale)
        || request.Op is ClientOp.LeaseKeepAlive or ClientOp.LeaseTtl or ClientOp.LeaseList;

    /// <summary>A reason to refuse the request, or null. Checked before anything reaches the loop.</summary>
    public static string? Validate(ClientRequest request)
    {
        var hasGuard = request.IfAbsent || request.IfVersion is not null || request.IfModRevision is not null || request.IfValue is not null;
        switch (request.Op)
        {
            case ClientOp.Set or ClientOp.Delete when request.Key is null || (request.Key.Length == 0 && !request.Prefix):
                return "a key is required";
            case ClientOp.Set when request.Value is null:
                return "set needs a value";
            case ClientOp.Set when request.Prefix:
                return "set takes no prefix";
            case ClientOp.Set or ClientOp.Delete when hasGuard && request.Prefix:
                return "a guard (ifAbsent, ifVersion, ifModRevision, ifValue) applies to one key, not a prefix";
            case ClientOp.Set or ClientOp.Delete when CountGuards(request) > 1 && request.IfAbsent:
                return "ifAbsent cannot be combined with another guard";
            case ClientOp.Set or ClientOp.Delete when request.IfVersion is < 0 || request.IfModRevision is < 0:
                return "ifVersion and ifModRevision must be >= 0";
            case ClientOp.Set when request.Lease is < 0:
                return "lease must be a lease id (> 0)";
            case ClientOp.Get when request.Key is { Length: 0 } && !request.Prefix && request.End is null:
                return "the key must not be empty";
            case ClientOp.Get when request.End is not null && (request.Prefix || request.Key is null):
                return "a range needs key (its start) and end, and no prefix";
            case ClientOp.Get when request.Limit is < 0:
                return "limit must be >= 0";
            case ClientOp.Get when request.KeysOnly && request.CountOnly:
                return "keysOnly and countOnly exclude each other";
            case ClientOp.Txn when request.Txn is null:
                return "txn needs a \"txn\" document";
            case ClientOp.LeaseGrant when request.Ttl is not (>= 1 and <= KvLimits.MaxLeaseTtlSeconds):
                return $"leaseGrant needs ttl: whole seconds from 1 to {KvLimits.MaxLeaseTtlSeconds}";
            case ClientOp.LeaseRevoke or ClientOp.LeaseKeepAlive or ClientOp.LeaseTtl when request.Lease is not > 0:
                return "lease: the lease id (> 0) is required";
            case ClientOp.Watch when request.Key is null || (request.Key.Length == 0 && !request.Prefix):
                return "watch needs a key (or prefix: true with a possibly empty key)";
            case ClientOp.Watch when request.FromRevision is < 1:
                return "fromRevision must be >= 1";
        }
        if (request.Key is { } key && request.Op is not (ClientOp.Status or ClientOp.Log) && Encoding.UTF8.GetByteCount(key) > ProtocolLimits.MaxKeyBytes)
            return $"the key is longer than {ProtocolLimits.MaxKeyBytes} bytes";
        if (request.End is { } end && Encoding.UTF8.GetByteCount(end) > ProtocolLimits.MaxKeyBytes)
            return $"end is longer than {ProtocolLimits.MaxKeyBytes} bytes";
        return null;
    }

    /// <summary>The log command of a write request (see <see cref="IsWrite"/>).</summary>
    /// <exception cref="ArgumentException">The request cannot become a valid command (a malformed txn document, say).</exception>
    public static KvCommand ToCommand(ClientRequest request)
    {
        var guards = Guards(request);
        var command = request.Op switch
        {
            ClientOp.Set or ClientOp.Delete when guards.Count > 0 => new KvCommand
            {
                Op = KvOp.Txn,
                Txn = TxnDocuments.Guarded(request.Key!, request.Op == ClientOp.Set ? request.Value : null, request.Lease ?? 0, false, guards),
            },
            ClientOp.Set => new KvCommand { Op = KvOp.Set, Key = request.Key, Value = request.Value, Lease = request.Lease ?? 0 },
            ClientOp.Delete => new KvCommand { Op = KvOp.Delete, Key = request.Key, Prefix = request.Prefix },
            ClientOp.Txn => new KvCommand { Op = KvOp.Txn, Txn = request.Txn },
            ClientOp.LeaseGrant => new KvCommand { Op = KvOp.LeaseGrant, Ttl = request.Ttl ?? 0 },
            ClientOp.LeaseRevoke => new KvCommand { Op = KvOp.LeaseRevoke, Lease = request.Lease ?? 0 },
            _ => throw new ArgumentException($"{request.Op} is not a write", nameof(request)),
        };
        return SessionRequests.WithSession(command, request);
    }

    /// <summary>The response to a write, from what applying its entry gave.</summary>
    public static ClientResponse ToResponse(ClientRequest request, KvResult result, long index, ClientResponse header)
    {
        // Session outcomes (registered, expired, duplicate) are answered by the replica before this is called.
        if (result.Kind == KvResultKind.Rejected)
            return header with { Status = ClientStatus.NotFound, Error = result.Error, Revision = index };

        // A retry answered from the session reports the original write's revision, not the retry's entry.
        var revision = result.Kind == KvResultKind.Remembered && result.Revision > 0 ? result.Revision : index;
        var response = header with { Index = revision, Revision = revision };
        var guarded = request.Op is ClientOp.Set or ClientOp.Delete && Guards(request).Count > 0;
        if (guarded && result.Kind == KvResultKind.Remembered)
        {
            // A retry of a guarded write answered from the session: only whether it succeeded is remembered.
            return response with { Status = result.Found ? ClientStatus.Ok : ClientStatus.ConditionFailed, Value = request.Op == ClientOp.Set ? request.Value : null };
        }
        if (guarded)
        {
            if (result.Succeeded != true)
                return response with { Status = ClientStatus.ConditionFailed, Kv = result.Responses?[0].Kvs?.FirstOrDefault(), Error = "condition failed" };
            var deleted = request.Op == ClientOp.Delete ? result.Responses?[0].Deleted ?? 0 : 0;
            if (request.Op == ClientOp.Delete && deleted == 0) return response with { Status = ClientStatus.NotFound, Deleted = 0 };
            return response with { Status = ClientStatus.Ok, Value = request.Op == ClientOp.Set ? request.Value : null, Deleted = request.Op == ClientOp.Delete ? deleted : null };
        }
        return request.Op switch
        {
            ClientOp.Set => response with { Status = ClientStatus.Ok, Value = result.Value },
            ClientOp.Delete => response with
            {
                Status = result.Found ? ClientStatus.Ok : ClientStatus.NotFound,
                Deleted = result.Kind == KvResultKind.Remembered ? null : result.Deleted,
            },
            ClientOp.Txn => response with
            {
                Status = ClientStatus.Ok,
                Succeeded = result.Succeeded ?? result.Found,
                Responses = result.Responses is { } r ? [.. r] : null,
            },
            ClientOp.LeaseGrant => response with
            {
                Status = ClientStatus.Ok,
                LeaseId = result.Kind == KvResultKind.Remembered ? result.Value?.GetInt64() : result.LeaseId,
            },
            _ => response with { Status = ClientStatus.Ok, Deleted = result.Deleted },
        };
    }

    /// <summary>Answers a get from the state as it is (the caller has made it linearizable, or the client asked for stale).</summary>
    public static ClientResponse Read(KvStateMachine kv, ClientRequest request, ClientResponse header)
    {
        var response = header with { Revision = kv.Revision };
        if (request.Key is null && !request.Prefix)
        {
            var all = new Dictionary<string, System.Text.Json.JsonElement>(StringComparer.Ordinal);
            foreach (var (key, value) in kv.All) all[key] = value;
            return response with { Status = ClientStatus.Ok, Values = all };
        }
        if (request.Prefix || request.End is not null)
        {
            // end "" means "to the last key".
            var range = request.Prefix ? KeyRange.Prefix(request.Key ?? "") : new KeyRange(request.Key!, request.End is "" ? null : request.End);
            var result = kv.Range(range, request.Limit ?? 0, request.KeysOnly, request.CountOnly);
            return response with
            {
                Status = ClientStatus.Ok,
                Kvs = request.CountOnly ? null : [.. result.Kvs],
                Count = result.Count,
                More = result.More,
            };
        }
        return kv.GetKeyValue(request.Key!, request.KeysOnly) is { } kv1
            ? response with { Status = ClientStatus.Ok, Value = kv1.Value, Kv = kv1 }
            : response with { Status = ClientStatus.NotFound, Error = $"key '{request.Key}' not found" };
    }

    private static int CountGuards(ClientRequest r)
        => (r.IfAbsent ? 1 : 0) + (r.IfVersion is null ? 0 : 1) + (r.IfModRevision is null ? 0 : 1) + (r.IfValue is null ? 0 : 1);

    private static List<Guard> Guards(ClientRequest r)
    {
        var guards = new List<Guard>();
        if (r.IfAbsent) guards.Add(Guard.Absent);
        if (r.IfVersion is { } v) guards.Add(new Guard(CompareTarget.Version, v));
        if (r.IfModRevision is { } m) guards.Add(new Guard(CompareTarget.ModRevision, m));
        if (r.IfValue is { } value) guards.Add(new Guard(CompareTarget.Value, Value: value));
        return guards;
    }
}
