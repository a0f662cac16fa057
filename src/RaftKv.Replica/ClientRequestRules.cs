using RaftKv.Protocol;

namespace RaftKv.Replica;

/// <summary>What makes a client request well-formed (docs/PROTOCOL.md). A bad request is refused and changes nothing.</summary>
public static class ClientRequestRules
{
    /// <summary>What an encoded command may add to its value (key, session, field names) before it counts as too large.</summary>
    public const int CommandOverheadBytes = 1024;

    /// <summary>Null when <paramref name="request"/> is well-formed, else the reason for the client.</summary>
    public static string? Validate(ClientRequest request)
    {
        if (request.Op == ClientOp.Log && (request.Limit is <= 0 || request.From is < 0))
            return "from must be >= 0 and limit > 0";
        if (DataRequests.IsWrite(request.Op))
        {
            if (request.ClientId is not null)
                return "clientId is retired: register a session (op \"register\") and send its id as \"session\" (docs/PROTOCOL.md, Sessions)";
            if (request.Session is { } session && (session <= 0 || request.Seq <= 0))
                return "session and seq must both be positive";
            if (request.Session is null && request.Seq != 0)
                return "seq needs a session";
        }
        // Keys, values, ranges, guards, transactions, leases and watches: the data API's rules.
        return DataRequests.Validate(request);
    }
}
