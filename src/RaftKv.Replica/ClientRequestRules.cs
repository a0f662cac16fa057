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
        if (MembershipError(request) is { } membershipError)
            return membershipError;
        if (DataRequests.IsWrite(request.Op) && SessionRequests.Validate(request) is { } sessionError)
            return sessionError;
        // Keys, values, ranges, guards, transactions, leases and watches: the data API's rules.
        return DataRequests.Validate(request);
    }

    /// <summary>memberAdd, memberPromote, memberRemove and transferLeader name a node; memberAdd also its address.</summary>
    private static string? MembershipError(ClientRequest request)
    {
        switch (request.Op)
        {
            case ClientOp.MemberAdd or ClientOp.MemberPromote or ClientOp.MemberRemove or ClientOp.TransferLeader when request.NodeId is not >= 0:
                return $"{char.ToLowerInvariant(request.Op.ToString()[0])}{request.Op.ToString()[1..]} needs nodeId, a node id >= 0";
            case ClientOp.MemberAdd when request.Address is null:
                return "memberAdd needs address, the new member's host:port";
            case ClientOp.MemberAdd when !ServerList.TrySplitHostPort(request.Address, out _, out _, out var reason):
                return $"address '{request.Address}' is not host:port ({reason})";
            default:
                return null;
        }
    }
}
