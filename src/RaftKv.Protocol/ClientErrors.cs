namespace RaftKv.Protocol;

/// <summary>Error texts a client may act on (docs/PROTOCOL.md), in one place for the node and its clients.</summary>
public static class ClientErrors
{
    /// <summary>
    /// The error of an <see cref="ClientStatus.Unavailable"/> answer given at once because the node holds as many
    /// requests as it may: nothing was done; retry after a pause, or elsewhere.
    /// </summary>
    public const string Overloaded = "overloaded";
}
