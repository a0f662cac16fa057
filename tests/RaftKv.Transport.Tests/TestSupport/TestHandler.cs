using RaftKv.Protocol;

namespace RaftKv.Transport.Tests.TestSupport;

/// <summary>
/// A client handler for tests: answers Ok with <see cref="ClientResponse.Index"/> = request id, after an optional
/// per-request delay; the keys "bad" and "boom" make it throw an argument error or a crash.
/// </summary>
public sealed class TestHandler(Func<ClientRequest, TimeSpan>? delay = null) : IClientRequestHandler
{
    private int _handled;

    public int Handled => Volatile.Read(ref _handled);

    public async ValueTask<ClientResponse> HandleAsync(ClientRequest request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _handled);
        if (delay?.Invoke(request) is { } wait && wait > TimeSpan.Zero) await Task.Delay(wait, cancellationToken);
        return request.Key switch
        {
            "bad" => throw new ArgumentException("key 'bad' is not allowed"),
            "boom" => throw new InvalidOperationException("the state machine exploded"),
            _ => new ClientResponse { Id = request.Id, Status = ClientStatus.Ok, Index = request.Id },
        };
    }
}
