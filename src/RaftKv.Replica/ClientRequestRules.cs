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
        if (DataRequests.IsWrite(request.Op) && SessionRequests.Validate(request) is { } sessionError)
            return sessionError;
        // Keys, values, ranges, guards, transactions, leases and watches: the data API's rules.
        return DataRequests.Validate(request);
    }
}
