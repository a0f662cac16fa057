using RaftKv.Protocol;
using RaftKv.StateMachine;

namespace RaftKv.Replica;

/// <summary>
/// Client sessions at the replica's edge (docs/PROTOCOL.md, "Sessions"; the state machine's side is
/// <see cref="SessionRules"/>): what a write's session fields must be, how they go into its command, and how
/// the outcomes that only sessions have (registered, expired, stale) are answered. Every write path uses these,
/// so a new kind of write gets the same session rules by calling them.
/// </summary>
public static class SessionRequests
{
    /// <summary>Null when the session fields of the write <paramref name="request"/> are well-formed, else the reason.</summary>
    public static string? Validate(ClientRequest request)
    {
        if (request.ClientId is not null)
            return "clientId is retired: register a session (op \"register\") and send its id as \"session\" (docs/PROTOCOL.md, Sessions)";
        if (request.Session is { } session && (session <= 0 || request.Seq <= 0))
            return "session and seq must both be positive";
        if (request.Session is null && request.Seq != 0)
            return "seq needs a session";
        return null;
    }

    /// <summary><paramref name="command"/> carrying the session and seq of <paramref name="request"/>.</summary>
    public static KvCommand WithSession(KvCommand command, ClientRequest request)
        => command with { Session = request.Session ?? 0, Seq = request.Seq };

    /// <summary>
    /// The answer when applying the write (or register) at <paramref name="index"/> gave a session outcome: the
    /// new session of a register, a refusal because the session does not exist, or a stale copy of an older
    /// write. Null when the write was applied or remembered: its own kind of answer follows.
    /// </summary>
    /// <param name="answer">The response carrying id and leader hint, to complete.</param>
    public static ClientResponse? Answer(ClientRequest request, KvResult result, long index, ClientResponse answer) => result.Kind switch
    {
        KvResultKind.Registered => answer with { Status = ClientStatus.Ok, Session = index, Index = index },
        KvResultKind.SessionExpired => answer with
        {
            Status = ClientStatus.SessionExpired,
            Error = $"session {request.Session} does not exist (never registered, or expired): the write was not applied; register a new session",
        },
        KvResultKind.Duplicate => answer with
        {
            Status = ClientStatus.BadRequest,
            Error = $"seq {request.Seq} is older than the last write of session {request.Session}",
        },
        _ => null,
    };
}
