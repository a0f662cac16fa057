using System.CommandLine;
using System.Globalization;
using RaftKv.Client;
using RaftKv.Ctl.Commands;
using RaftKv.Ctl.Usage;
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

    private string? _sessionServersFile;
    private readonly bool _showPrompt;
    private readonly Prompt.LineEditor? _editor;
    private CancellationTokenSource? _currentLine;

    /// <param name="output">Results.</param>
    /// <param name="error">Messages and usage.</param>
    /// <param name="input">Lines for the interactive prompt.</param>
    /// <param name="indentJson">Indent JSON output (for a terminal); scripts get one line per value.</param>
    /// <param name="showPrompt">Print the prompt (a person types); false for piped input, which then also ends with the first failing line's exit code.</param>
    /// <param name="readKey">Keys of a terminal: the prompt then edits lines (history, Tab completion); null reads lines from <paramref name="input"/>.</param>
    /// <param name="historyFile">The prompt's history file (with <paramref name="readKey"/>).</param>
    public Cli(TextWriter output, TextWriter error, TextReader input, bool indentJson = false, bool showPrompt = true,
        Func<ConsoleKeyInfo>? readKey = null, string? historyFile = null)
    {
        _showPrompt = showPrompt;
        if (readKey is not null) _editor = new Prompt.LineEditor(readKey, output, CompletionCandidates, historyFile);
        _output = output;
        _error = error;
        _input = input;
        _indentJson = indentJson;
        _root = BuildRootCommand();
        ShowRealShapes(_root);
    }

    /// <summary>Runs raftctl with <paramref name="args"/> and returns the exit code (see <see cref="ExitCodes"/>).</summary>
    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var parse = _root.Parse(args);
        if (parse.Errors.Count > 0 && !IsCommandHelp(parse)) return ParseErrors(parse);
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
        root.Subcommands.Add(CheckCommand.Create(this));
        root.Subcommands.Add(CompletionCommand.Create(this));
        root.Subcommands.Add(HelpCommand.Create(this));
        root.Subcommands.Add(MemberCommand.Create(this));
        root.Subcommands.Add(TransferLeaderCommand.Create(this));
        root.Subcommands.Add(MakeCertsCommand.Create(this));
        root.SetAction((parse, cancellationToken) => InteractiveAsync(parse, cancellationToken));
        return root;
    }

    /// <summary>
    /// raftctl's help pages show each command as it is really used: required arguments bare, optional ones in
    /// brackets (<c>get [KEY]</c>), alternatives in parentheses (<c>delete (KEY | --prefix P)</c>), the same shape as
    /// the hint after a usage error, rather than System.CommandLine's <c>&lt;KEY&gt;</c> list that follows arities only.
    /// </summary>
    private void ShowRealShapes(Command root)
    {
        var help = root.Options.OfType<System.CommandLine.Help.HelpOption>().First();
        help.Action = new HelpPageAction(root, WriteOverview);
    }

    /// <summary>The top-level help: what raftctl is, its global options and its commands with their real shapes.</summary>
    internal void WriteOverview(TextWriter writer)
    {
        writer.WriteLine("raftctl: the command-line client of a RaftKv cluster. Without a command it starts an interactive prompt.");
        writer.WriteLine();
        writer.WriteLine("Usage:");
        writer.WriteLine("  raftctl [options] COMMAND [arguments]");
        writer.WriteLine();
        writer.WriteLine("Commands:");
        var rows = _root.Subcommands.Where(c => !c.Hidden).Select(c => (Left: string.Join(", ", c.Aliases.Prepend(c.Name)) + UsageMessage.Shape(c, _root)[c.Name.Length..].Replace(" [options]", "", StringComparison.Ordinal), Right: c.Description ?? "")).ToList();
        var width = rows.Max(r => r.Left.Length) + 2;
        foreach (var (left, right) in rows) writer.WriteLine($"  {left.PadRight(width)}{right}");
        writer.WriteLine();
        writer.WriteLine("Options (any command):");
        foreach (var option in _root.Options.Where(o => !o.Hidden))
        {
            var left = string.Join(", ", option.Aliases.Prepend(option.Name).Where(a => a.StartsWith('-')).OrderByDescending(a => a.Length)) + (option.HelpName is { } name ? $" {name}" : "");
            writer.WriteLine($"  {left.PadRight(width)}{option.Description}");
        }
        writer.WriteLine();
        writer.WriteLine("Exit codes: 0 done, 1 key not found, 2 bad usage (nothing sent), 3 no leader or no node answered, 6 check found a non-linearizable history, 130 interrupted.");
        writer.WriteLine("More: raftctl help COMMAND");
    }

    /// <summary>Gives <paramref name="command"/> an action that runs <paramref name="body"/> with the shared error handling and exit codes.</summary>
    internal void SetAction(Command command, Func<CommandContext, CancellationToken, Task<int>> body) =>
        command.SetAction(async (parse, cancellationToken) =>
        {
            // The body's token is also cancelled when no node answers at all (see NoNodeAnswers): then we say so
            // within about a second instead of retrying for the whole --timeout.
            using var failFast = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var context = new CommandContext(parse, _options, _output, _error, _indentJson, _sessionClient, _sessionServersFile, failFast);
            await using (context.ConfigureAwait(false))
            {
                try
                {
                    return await body(context, failFast.Token).ConfigureAwait(false);
                }
                catch (UsageException e)
                {
                    return Usage(parse, e.Message);
                }
                catch (OperationCanceledException) when (context.Unreachable is { } unreachable && !cancellationToken.IsCancellationRequested)
                {
                    _error.WriteLine($"error: {unreachable.Message}");
                    _error.WriteLine($"hint: {unreachable.Hint}");
                    return ExitCodes.Unavailable;
                }
                catch (ClusterUnavailableException e)
                {
                    _error.WriteLine($"error: {e.Message}");
                    return ExitCodes.Unavailable;
                }
            }
        });

    /// <summary>The root command, for help and completion.</summary>
    internal Command Root => _root;

    internal bool Interactive => _interactive;

    internal TextWriter Output => _output;

    internal TextWriter Error => _error;

    internal TextReader Input => _input;

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
            var what = parse.CommandResult.Command.Name is "set" or "delete" ? "; the write was sent and may or may not have been applied (read the key to know)" : "";
            _error.WriteLine($"interrupted{what}");
            return ExitCodes.Interrupted;
        }
    }

    private async Task<int> InteractiveAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        if (_sessionClient is not null) return Usage(parse, "raftctl is already running interactively");
        try
        {
            _sessionServersFile = parse.GetValue(_options.Servers) ?? GlobalOptions.DefaultServersFile;
            var servers = LoadServers(_sessionServersFile);
            _sessionClient = new RaftClient(new RaftClientOptions { Servers = servers.Addresses, Timeout = ToTimeout(parse.GetValue(_options.Timeout)), Tls = LoadTls(parse, _options) });
        }
        catch (UsageException e)
        {
            return Usage(parse, e.Message);
        }

        var sessionJson = parse.GetValue(_options.Json);
        _interactive = true;
        var failure = ExitCodes.Success;
        try
        {
            while (true)
            {
                string? line;
                if (_editor is not null)
                {
                    line = _editor.ReadLine(Prompt);
                }
                else
                {
                    if (_showPrompt)
                    {
                        await _output.WriteAsync(Prompt).ConfigureAwait(false);
                        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
                    }
                    line = await _input.ReadLineAsync(cancellationToken).ConfigureAwait(false);
                }
                if (line is null)
                {
                    if (_showPrompt) await _output.WriteLineAsync().ConfigureAwait(false);
                    return failure;
                }

                IReadOnlyList<string> words;
                try
                {
                    words = ShellTokenizer.Split(line);
                }
                catch (FormatException e)
                {
                    _error.WriteLine($"error: {e.Message}");
                    failure = Failure(failure, ExitCodes.Usage);
                    continue;
                }
                if (words.Count == 0 || words[0].StartsWith('#')) continue;
                switch (words[0])
                {
                    case "exit" or "quit":
                        return failure;
                    case "help" or "?" when words.Count == 1:
                        _output.Write(InteractiveHelp);
                        continue;
                }

                // The session's --json applies to every line, as if it had been typed there.
                var lineArgs = sessionJson && !words.Contains("--json") ? words.Append("--json").ToList() : words;
                using (var lineCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    Volatile.Write(ref _currentLine, lineCancel);
                    try
                    {
                        failure = Failure(failure, await RunLineAsync(lineArgs, lineCancel.Token).ConfigureAwait(false));
                    }
                    finally
                    {
                        Volatile.Write(ref _currentLine, null);
                    }
                }
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

    /// <summary>What Tab may complete after <paramref name="previous"/> words: commands first, then that command's options.</summary>
    internal IEnumerable<string> CompletionCandidates(IReadOnlyList<string> previous)
    {
        if (previous.Count == 0) return _root.Subcommands.SelectMany(c => c.Aliases.Prepend(c.Name)).Concat(["exit", "quit"]);
        var command = _root.Subcommands.FirstOrDefault(c => c.Name == previous[0] || c.Aliases.Contains(previous[0]));
        if (command is null) return [];
        IEnumerable<string> words = command.Options.Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal));
        if (command.Name == "help") words = words.Concat(_root.Subcommands.Select(c => c.Name));
        if (command.Name == "completion") words = words.Concat(["bash", "zsh"]);
        return words.Append("--json");
    }

    /// <summary>Piped input ends with the first failing line's exit code (a prompt for a person always ends with 0).</summary>
    private int Failure(int sofar, int code) => _showPrompt || sofar != ExitCodes.Success ? sofar : code;

    /// <summary>
    /// Ctrl+C at the prompt: cancels the command that is running, as a shell does, and returns true; false when
    /// no command is running (then Ctrl+C ends raftctl).
    /// </summary>
    public bool CancelCurrentCommand()
    {
        var line = Volatile.Read(ref _currentLine);
        if (line is null) return false;
        try
        {
            line.Cancel();
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        return true;
    }

    private async Task<int> RunLineAsync(IReadOnlyList<string> words, CancellationToken cancellationToken)
    {
        var parse = _root.Parse(words);
        if (parse.Errors.Count > 0 && !IsCommandHelp(parse)) return ParseErrors(parse);
        if (parse.CommandResult.Command == _root && !IsHelp(parse))
        {
            var suggestion = Suggestions.Closest(words[0], _root.Subcommands.SelectMany(c => c.Aliases.Prepend(c.Name)));
            _error.WriteLine(suggestion is null ? $"error: unknown command '{words[0]}'" : $"error: unknown command '{words[0]}'; did you mean '{suggestion}'?");
            _error.WriteLine("type help for the list of commands");
            return ExitCodes.Usage;
        }
        if (parse.GetResult(_options.Servers) is { Implicit: false } || parse.GetResult(_options.Timeout) is { Implicit: false })
        {
            _error.WriteLine("error: --servers and --timeout are set when raftctl starts, not per command");
            return ExitCodes.Usage;
        }
        return await InvokeAsync(parse, cancellationToken).ConfigureAwait(false);
    }

    private static bool IsHelp(ParseResult parse) => parse.Action is System.CommandLine.Help.HelpAction or HelpPageAction;

    /// <summary>
    /// <c>COMMAND --help</c>: shown even though the command's required arguments are missing (<c>set --help</c> has no
    /// KEY); at the top level a parse error (an unknown command) is still reported, with its "did you mean".
    /// </summary>
    private bool IsCommandHelp(ParseResult parse) => IsHelp(parse) && parse.CommandResult.Command != _root;

    private int ParseErrors(ParseResult parse) => Usage(parse, UsageMessage.Describe(parse, _root));

    /// <summary>One line saying what is wrong, one line of usage and where to read more (never the whole help).</summary>
    private int Usage(ParseResult parse, string message)
    {
        _error.WriteLine($"error: {message}");
        _error.WriteLine(UsageMessage.Hint(parse, _root, _interactive));
        return ExitCodes.Usage;
    }

    /// <summary>Prints the help of the command named by <paramref name="path"/> (empty: raftctl's) to <paramref name="writer"/>.</summary>
    internal int PrintHelp(IReadOnlyList<string> path, TextWriter writer)
    {
        var parse = _root.Parse([.. path, "--help"]);
        if (parse.Errors.Count > 0 && !IsCommandHelp(parse)) return Usage(parse, UsageMessage.Describe(parse, _root));
        return parse.Invoke(new InvocationConfiguration { Output = writer, Error = _error, ProcessTerminationTimeout = null });
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

    /// <summary>The --tls-* options as a usage error when incomplete or unreadable; null for plain TCP.</summary>
    internal static RaftKv.Protocol.Tls.ClusterTls? LoadTls(ParseResult parse, GlobalOptions options)
    {
        try
        {
            return RaftKv.Protocol.Tls.TlsArguments.Load(parse.GetValue(options.TlsCert), parse.GetValue(options.TlsKey), parse.GetValue(options.TlsCa));
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
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
          member list|add ID HOST:PORT|promote ID|remove ID
                                              change the membership (member --help)
          transfer-leader ID                  hand leadership to voter ID
          make-certs --out DIR --nodes N      make a cluster CA and TLS certificates (make-certs --help)
          help                                this list (COMMAND --help for details)
          exit, quit                          leave (so does end of input)
        Add --json to any command for JSON output. Quote values as in a shell: set config '{"host":"localhost"}'

        """;
}
