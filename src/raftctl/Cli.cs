using System.CommandLine;
using System.Globalization;
using RaftKv.Client;
using RaftKv.Ctl.Commands;
using RaftKv.Protocol;

namespace RaftKv.Ctl;

/// <summary>
/// raftctl: parses the arguments, runs one command (or the interactive prompt when there is none)
/// and returns the exit code. Takes its streams as parameters so tests run it in-process.
/// </summary>
public sealed class Cli
{
    public const string Prompt = "raftkv> ";

    private readonly TextWriter _output;
    private readonly TextWriter _error;
    private readonly TextReader _input;
    private readonly bool _indentJson;
    private readonly GlobalOptions _options = new();
    private readonly Command _root;
    private bool _interactive;
    private RaftClient? _sessionClient;

    /// <param name="output">Results.</param>
    /// <param name="error">Messages and usage.</param>
    /// <param name="input">Lines for the interactive prompt.</param>
    /// <param name="indentJson">Indent JSON output (for a terminal); scripts get one line per value.</param>
    public Cli(TextWriter output, TextWriter error, TextReader input, bool indentJson = false)
    {
        _output = output;
        _error = error;
        _input = input;
        _indentJson = indentJson;
        _root = BuildRootCommand();
    }

    /// <summary>Runs raftctl with <paramref name="args"/> and returns the exit code (see <see cref="ExitCodes"/>).</summary>
    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var parse = _root.Parse(args);
        if (parse.Errors.Count > 0) return ParseErrors(parse);
        return await InvokeAsync(parse, cancellationToken).ConfigureAwait(false);
    }

    private Command BuildRootCommand()
    {
        // A plain Command named raftctl rather than RootCommand, whose name (in usage lines) would be
        // the host executable's: "testhost" under the test runner, "dotnet" under `dotnet raftctl.dll`.
        var root = new Command("raftctl", "raftctl: the command-line client of a RaftKv cluster. Without a command it starts an interactive prompt.");
        root.Options.Add(new System.CommandLine.Help.HelpOption());
        root.Options.Add(new VersionOption());
        _options.AddTo(root);
        root.Subcommands.Add(SetCommand.Create(this));
        root.Subcommands.Add(GetCommand.Create(this));
        root.Subcommands.Add(DeleteCommand.Create(this));
        root.Subcommands.Add(ShowLogCommand.Create(this));
        root.Subcommands.Add(StatusCommand.Create(this));
        root.Subcommands.Add(BenchCommand.Create(this));
        root.Subcommands.Add(TxnCommand.Create(this));
        root.Subcommands.Add(WatchCommand.Create(this));
        root.Subcommands.Add(LeaseCommand.Create(this));
        root.SetAction((parse, cancellationToken) => InteractiveAsync(parse, cancellationToken));
        return root;
    }

    /// <summary>Gives <paramref name="command"/> an action that runs <paramref name="body"/> with the shared error handling and exit codes.</summary>
    internal void SetAction(Command command, Func<CommandContext, CancellationToken, Task<int>> body) =>
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CommandContext(parse, _options, _output, _error, _indentJson, _sessionClient, _input);
            await using (context.ConfigureAwait(false))
            {
                try
                {
                    return await body(context, cancellationToken).ConfigureAwait(false);
                }
                catch (UsageException e)
                {
                    return Usage(parse, e.Message);
                }
                catch (ClusterUnavailableException e)
                {
                    _error.WriteLine($"error: {e.Message}");
                    return ExitCodes.Unavailable;
                }
            }
        });

    private async Task<int> InvokeAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var configuration = new InvocationConfiguration
        {
            Output = _output,
            Error = _error,
            // Ctrl+C is the caller's business (Program passes a token); exceptions too, so tests see them.
            ProcessTerminationTimeout = null,
            EnableDefaultExceptionHandler = false,
        };
        try
        {
            return await parse.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _error.WriteLine("interrupted");
            return ExitCodes.Interrupted;
        }
    }

    private async Task<int> InteractiveAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        if (_sessionClient is not null) return Usage(parse, "raftctl is already running interactively");
        try
        {
            var servers = LoadServers(parse.GetValue(_options.Servers) ?? GlobalOptions.DefaultServersFile);
            _sessionClient = new RaftClient(new RaftClientOptions { Servers = servers.Addresses, Timeout = ToTimeout(parse.GetValue(_options.Timeout)) });
        }
        catch (UsageException e)
        {
            return Usage(parse, e.Message);
        }

        var sessionJson = parse.GetValue(_options.Json);
        _interactive = true;
        try
        {
            while (true)
            {
                await _output.WriteAsync(Prompt).ConfigureAwait(false);
                await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
                var line = await _input.ReadLineAsync(cancellationToken).ConfigureAwait(false);
                if (line is null)
                {
                    await _output.WriteLineAsync().ConfigureAwait(false);
                    return ExitCodes.Success;
                }

                IReadOnlyList<string> words;
                try
                {
                    words = ShellTokenizer.Split(line);
                }
                catch (FormatException e)
                {
                    _error.WriteLine($"error: {e.Message}");
                    continue;
                }
                if (words.Count == 0) continue;
                switch (words[0])
                {
                    case "exit" or "quit":
                        return ExitCodes.Success;
                    case "help" or "?":
                        _output.Write(InteractiveHelp);
                        continue;
                }

                // The session's --json applies to every line, as if it had been typed there.
                var lineArgs = sessionJson && !words.Contains("--json") ? words.Append("--json").ToList() : words;
                await RunLineAsync(lineArgs, cancellationToken).ConfigureAwait(false);
                await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await _sessionClient.DisposeAsync().ConfigureAwait(false);
            _sessionClient = null;
            _interactive = false;
        }
    }

    private async Task RunLineAsync(IReadOnlyList<string> words, CancellationToken cancellationToken)
    {
        var parse = _root.Parse(words);
        if (parse.Errors.Count > 0)
        {
            ParseErrors(parse);
            return;
        }
        if (parse.CommandResult.Command == _root && !IsHelp(parse))
        {
            _error.WriteLine($"error: unknown command '{words[0]}' (type help for the list)");
            return;
        }
        if (parse.GetResult(_options.Servers) is { Implicit: false } || parse.GetResult(_options.Timeout) is { Implicit: false })
        {
            _error.WriteLine("error: --servers and --timeout are set when raftctl starts, not per command");
            return;
        }
        await InvokeAsync(parse, cancellationToken).ConfigureAwait(false);
    }

    private static bool IsHelp(ParseResult parse) => parse.Action is System.CommandLine.Help.HelpAction;

    private int ParseErrors(ParseResult parse)
    {
        foreach (var error in parse.Errors) _error.WriteLine($"error: {error.Message}");
        PrintUsage(parse);
        return ExitCodes.Usage;
    }

    private int Usage(ParseResult parse, string message)
    {
        _error.WriteLine($"error: {message}");
        PrintUsage(parse);
        return ExitCodes.Usage;
    }

    /// <summary>Prints the help of the command the user was typing, to the error stream (at the prompt just a pointer to it).</summary>
    private void PrintUsage(ParseResult parse)
    {
        var path = new List<string>();
        for (var command = parse.CommandResult.Command; command != _root; command = (Command)command.Parents.First())
            path.Insert(0, command.Name);
        if (_interactive)
        {
            _error.WriteLine(path.Count == 0 ? "type help for the list of commands" : $"type {path[0]} --help for its usage");
            return;
        }
        path.Add("--help");
        _root.Parse(path).Invoke(new InvocationConfiguration { Output = _error, Error = _error, ProcessTerminationTimeout = null });
    }

    /// <summary>Reads the servers file, turning every problem with it into a usage error that names the file (and line).</summary>
    internal static ServerList LoadServers(string path)
    {
        try
        {
            return ServerList.Load(path);
        }
        catch (Exception e) when (e is FormatException or IOException)
        {
            throw new UsageException(e.Message, e);
        }
    }

    internal static TimeSpan ToTimeout(double seconds)
    {
        if (!double.IsFinite(seconds) || seconds <= 0 || seconds > TimeSpan.MaxValue.TotalSeconds / 2)
            throw new UsageException($"--timeout must be a positive number of seconds, not {seconds.ToString(CultureInfo.InvariantCulture)}");
        return TimeSpan.FromSeconds(seconds);
    }

    private const string InteractiveHelp = """
        Commands:
          set KEY VALUE                       store VALUE (JSON if it parses as JSON, else a string)
          get [KEY] [--stale]                 print a value, or every key and value
          delete KEY                          remove a key
          get --prefix P | --from A [--to B]  read a range [--limit N] [--keys-only] [--count-only]
          delete --prefix P                   remove every key starting with P (prints how many)
          set/delete KEY ... --if-absent | --if-version N | --if-mod-revision R | --if-value V
                                              compare-and-set (exit code 4 when the condition fails)
          txn [FILE]                          apply a transaction document atomically (txn --help)
          watch KEY [--prefix] [--from-revision R]
                                              stream changes until Ctrl+C
          lease grant TTL | keepalive ID | revoke ID | ttl ID | list
                                              leases; set KEY VALUE --lease ID attaches a key
          show-log [--node ID] [--from N] [--limit N]
                                              print log entries (of the leader by default)
          status                              ask every node for its role, term and indexes
          bench [--clients N] [--duration S]  measure throughput and latency (bench --help)
          help                                this list (COMMAND --help for details)
          exit, quit                          leave (so does end of input)
        Add --json to any command for JSON output. Quote values as in a shell: set config '{"host":"localhost"}'

        """;
}
