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
        switch (request.Op)
        {
            case ClientOp.Set or ClientOp.Delete when string.IsNullOrEmpty(request.Key):
                return "a key is required";
            case ClientOp.Set when request.Value is null:
                return "set needs a value";
            case ClientOp.Get when request.Key is { Length: 0 }:
                return "the key must not be empty";
            case not (ClientOp.Status or ClientOp.Log) when request.Key is { } key && System.Text.Encoding.UTF8.GetByteCount(key) > ProtocolLimits.MaxKeyBytes:
                return $"the key is longer than {ProtocolLimits.MaxKeyBytes} bytes";
            case ClientOp.Log when request.Limit is <= 0 || request.From is < 0:
                return "from must be >= 0 and limit > 0";
        }
        return request.Op is ClientOp.Set or ClientOp.Delete ? SessionRequests.Validate(request) : null;
    }
}
