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
internal sealed class CommandContext(ParseResult parse, GlobalOptions options, TextWriter output, TextWriter error, bool indentJson, RaftClient? sessionClient, TextReader? input = null)
    : IAsyncDisposable
{
    private RaftClient? _ownedClient;
    private ServerList? _servers;

    public ParseResult Parse { get; } = parse;
    public TextWriter Output { get; } = output;
    public TextWriter Error { get; } = error;

    /// <summary>Standard input (txn reads its document from it); empty at the interactive prompt, whose input is the prompt's.</summary>
    public TextReader Input { get; } = sessionClient is null ? input ?? TextReader.Null : TextReader.Null;
    public bool Json { get; } = parse.GetValue(options.Json);
    public bool IndentJson { get; } = indentJson;

    public T? Get<T>(Argument<T> argument) => Parse.GetValue(argument);
    public T? Get<T>(Option<T> option) => Parse.GetValue(option);

    public TimeSpan Timeout => sessionClient?.Options.Timeout ?? Cli.ToTimeout(Parse.GetValue(options.Timeout));

    public ServerList Servers => _servers ??= sessionClient is not null
        ? new ServerList(sessionClient.Options.Servers)
        : Cli.LoadServers(Parse.GetValue(options.Servers) ?? GlobalOptions.DefaultServersFile);

    public RaftClient Client => sessionClient ?? (_ownedClient ??= new RaftClient(new RaftClientOptions { Servers = Servers.Addresses, Timeout = Timeout }));

    public void WriteJson(Action<Utf8JsonWriter> write) => Output.WriteLine(JsonOutput.Format(IndentJson, write));

    public void WriteJson(JsonElement value) => Output.WriteLine(JsonOutput.Format(value, IndentJson));

    public void WriteResponse(ClientResponse response) =>
        WriteJson(writer => JsonSerializer.Serialize(writer, response, ProtocolJsonContext.Default.ClientResponse));

    /// <summary>Maps answers that are not the command's normal outcome to a message and an exit code.</summary>
    public int Unexpected(ClientResponse response)
    {
        Error.WriteLine($"error: the server answered {response.Status}: {response.Error ?? "no reason given"}");
        return response.Status == ClientStatus.BadRequest ? ExitCodes.Usage : ExitCodes.Unavailable;
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownedClient is not null) await _ownedClient.DisposeAsync().ConfigureAwait(false);
    }
}
