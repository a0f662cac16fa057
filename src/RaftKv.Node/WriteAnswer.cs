using RaftKv.Protocol;
using RaftKv.StateMachine;

namespace RaftKv.Node;

/// <summary>
/// How the result of applying a client's write (set, delete, register) is told to that client: the one
/// mapping from <see cref="KvResultKind"/> to <see cref="ClientStatus"/> (docs/PROTOCOL.md, "Sessions").
/// </summary>
public static class WriteAnswer
{
    /// <summary>
    /// Completes <paramref name="response"/> (already carrying id and leader hint) for <paramref name="request"/>,
    /// whose command was applied at <paramref name="index"/> with <paramref name="result"/>.
    /// </summary>
    public static ClientResponse For(ClientResponse response, ClientRequest request, KvResult result, long index) => result.Kind switch
    {
        KvResultKind.Registered => response with { Status = ClientStatus.Ok, Session = index, Index = index },
        KvResultKind.SessionExpired => response with
        {
            Status = ClientStatus.SessionExpired,
            Error = $"session {request.Session} does not exist (never registered, or expired): the write was not applied; register a new session",
        },
        KvResultKind.Duplicate => response with
        {
            Status = ClientStatus.BadRequest,
            Error = $"seq {request.Seq} is older than the last write of session {request.Session}",
        },
        _ => response with
        {
            Status = request.Op == ClientOp.Delete && !result.Found ? ClientStatus.NotFound : ClientStatus.Ok,
            Index = index,
            Value = request.Op == ClientOp.Delete ? null : result.Value,
        },
    };
}
