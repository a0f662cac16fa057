using System.CommandLine;
using System.Text.Json;
using RaftKv.Client;
using RaftKv.Protocol;

namespace RaftKv.Ctl;

/// <summary>
/// What one command invocation works with: its parsed arguments, the writers, and the client.
/// The client is made on first use, after the command has checked its arguments, so bad input is
/// refused before the servers file is even read and long before anything is sent.
/// </summary>
internal sealed class CommandContext(
    ParseResult parse, GlobalOptions options, TextWriter output, TextWriter error, bool indentJson, RaftClient? sessionClient, string? sessionServersFile, CancellationTokenSource failFast)
    : IAsyncDisposable
{
    /// <summary>A command still running after this long checks whether any node answers at all.</summary>
    public static readonly TimeSpan ProbeAfter = TimeSpan.FromMilliseconds(300);

    /// <summary>How long each node has to answer the probe.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromMilliseconds(700);

    private readonly CancellationTokenSource _probeStop = new();
    private RaftClient? _ownedClient;
    private ServerList? _servers;
    private Task _probe = Task.CompletedTask;

    public ParseResult Parse { get; } = parse;
    public TextWriter Output { get; } = output;
    public TextWriter Error { get; } = error;
    public bool Json { get; } = parse.GetValue(options.Json);
    public bool IndentJson { get; } = indentJson;

    public T? Get<T>(Argument<T> argument) => Parse.GetValue(argument);
    public T? Get<T>(Option<T> option) => Parse.GetValue(option);

    public TimeSpan Timeout => sessionClient?.Options.Timeout ?? Cli.ToTimeout(Parse.GetValue(options.Timeout));

    public ServerList Servers => _servers ??= sessionClient is not null
        ? new ServerList(sessionClient.Options.Servers)
        : Cli.LoadServers(Parse.GetValue(options.Servers) ?? GlobalOptions.DefaultServersFile);

    /// <summary>The --tls-* options (a usage error when incomplete or unreadable); null for plain TCP.</summary>
    public RaftKv.Protocol.Tls.ClusterTls? Tls => sessionClient?.Options.Tls ?? (_tls ??= new Lazy<RaftKv.Protocol.Tls.ClusterTls?>(() => Cli.LoadTls(Parse, options))).Value;

    private Lazy<RaftKv.Protocol.Tls.ClusterTls?>? _tls;

    /// <summary>The servers file's path, as given (or the default), for messages.</summary>
    public string ServersFile => sessionClient is not null ? sessionServersFile ?? GlobalOptions.DefaultServersFile : Parse.GetValue(options.Servers) ?? GlobalOptions.DefaultServersFile;

    /// <summary>The cluster client; the first use also starts the check that some node answers at all (<see cref="Unreachable"/>).</summary>
    public RaftClient Client
    {
        get
        {
            var client = sessionClient ?? (_ownedClient ??= new RaftClient(new RaftClientOptions { Servers = Servers.Addresses, Timeout = Timeout, Tls = Tls }));
            if (_probe.IsCompleted && Unreachable is null && !_probeStop.IsCancellationRequested && !_probeStarted)
            {
                _probeStarted = true;
                _probe = NoNodeAnswersAsync(client, _probeStop.Token);
            }
            return client;
        }
    }

    private bool _probeStarted;

    /// <summary>Set (and the command's token cancelled) when no node of the servers file answered at all.</summary>
    public NoNodeAnswers? Unreachable { get; private set; }

    /// <summary>The socket error when a node could not be reached at all (refused, unreachable, unknown host); null otherwise.</summary>
    private static string? Refused(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
            if (inner is System.Net.Sockets.SocketException socket) return socket.Message;
        return null;
    }

    /// <summary>
    /// Fail fast: when the command has not finished after <see cref="ProbeAfter"/>, ask every node for its status at
    /// once; if none can even be reached (connection refused or unreachable everywhere), there is no point retrying
    /// for the whole --timeout. A node that accepts the connection but is slow counts as there: then, and when some
    /// node answers but no leader does, the command keeps its full --timeout.
    /// </summary>
    private async Task NoNodeAnswersAsync(RaftClient client, CancellationToken cancellationToken)
    {
        try
        {
            // Probe again while the command runs: one round that met a node slow to refuse (a probe cut off by its
            // deadline counts as "a node is there") must not cost the whole --timeout when every node is down.
            while (!await ProbeOnceAsync(client, cancellationToken).ConfigureAwait(false)) { }
        }
        catch (OperationCanceledException)
        {
            // the command finished first
        }
    }

    /// <summary>One probe round after <see cref="ProbeAfter"/>: true (and the command cancelled) when every node refused.</summary>
    private async Task<bool> ProbeOnceAsync(RaftClient client, CancellationToken cancellationToken)
    {
        await Task.Delay(ProbeAfter, cancellationToken).ConfigureAwait(false);
        var addresses = client.Options.Servers;
        var failures = await Task.WhenAll(Enumerable.Range(0, addresses.Count).Select(async id =>
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(ProbeTimeout);
            try
            {
                await client.StatusAsync(id, deadline.Token).ConfigureAwait(false);
                return null;
            }
            catch (ClusterUnavailableException e) when (Refused(e) is { } refusal)
            {
                return refusal;
            }
            catch (ClusterUnavailableException)
            {
                return null; // it accepted the connection but was slow or busy: a node is there, keep trying
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Slow is not absent: a node that accepted the connection but has not answered yet (a busy
                // machine, a long fsync) may well answer before --timeout, so it does not count as a refusal.
                return null;
            }
        })).ConfigureAwait(false);
        if (failures.Any(f => f is null) || cancellationToken.IsCancellationRequested) return false;
        var reasons = failures.Distinct().ToList();
        // The reasons name their node's address, so they differ even when the cause is the same: show the first
        // (a TLS refusal, say) rather than nothing.
        var reason = reasons[0]!.TrimEnd('.') + (reasons.Count > 1 ? ", …" : "");
        Unreachable = new NoNodeAnswers(
            $"no node answered ({reason}): tried {string.Join(", ", addresses)} from {ServersFile}",
            $"start the cluster first (raftnode 0, raftnode 1, ... one per line of {ServersFile}), or point --servers at the cluster's servers file");
        await failFast.CancelAsync().ConfigureAwait(false);
        return true;
    }

    public void WriteJson(Action<Utf8JsonWriter> write) => Output.WriteLine(JsonOutput.Format(IndentJson, write));

    public void WriteJson(JsonElement value) => Output.WriteLine(JsonOutput.Format(value, IndentJson));

    /// <summary>
    /// The documented, stable JSON result of a write (README "raftctl --json"):
    /// <c>{"key":"k","op":"set","ok":true,"index":12,"leaderId":0}</c>; <c>ok</c> is false for a delete of a missing key.
    /// No internal request ids: scripts may rely on exactly these fields.
    /// </summary>
    public void WriteWriteResult(string op, string key, ClientResponse response) => WriteJson(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("key", key);
        writer.WriteString("op", op);
        writer.WriteBoolean("ok", response.Status == ClientStatus.Ok);
        if (response.Index is long index) writer.WriteNumber("index", index);
        else writer.WriteNull("index");
        if (response.LeaderId is int leader) writer.WriteNumber("leaderId", leader);
        else writer.WriteNull("leaderId");
        writer.WriteEndObject();
    });

    /// <summary>Maps answers that are not the command's normal outcome to a message and an exit code.</summary>
    public int Unexpected(ClientResponse response)
    {
        Error.WriteLine($"error: the server answered {response.Status}: {response.Error ?? "no reason given"}");
        return response.Status == ClientStatus.BadRequest ? ExitCodes.Usage : ExitCodes.Unavailable;
    }

    public async ValueTask DisposeAsync()
    {
        await _probeStop.CancelAsync().ConfigureAwait(false);
        await _probe.ConfigureAwait(false);
        _probeStop.Dispose();
        if (_ownedClient is not null) await _ownedClient.DisposeAsync().ConfigureAwait(false);
    }
}
