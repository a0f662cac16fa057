using System.Diagnostics;

namespace RaftKv.Testing.Processes;

/// <summary>
/// One raftnode of a <see cref="LocalCluster"/>: its command line, its output (across restarts) and
/// the process of its current incarnation, if any.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly Func<IReadOnlyList<string>> _arguments;
    private readonly string _workingDirectory;
    private Process? _process;
    private IDisposable? _registration;
    private int _incarnation;
    private bool _exitReported;

    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly string? _namespace;

    internal NodeProcess(int id, Func<IReadOnlyList<string>> arguments, string workingDirectory, OutputLog output,
        IReadOnlyDictionary<string, string>? environment = null, string? networkNamespace = null)
    {
        _namespace = networkNamespace;
        Id = id;
        _environment = environment ?? new Dictionary<string, string>();
        _arguments = arguments;
        _workingDirectory = workingDirectory;
        Output = output;
    }

    public int Id { get; }

    /// <summary>Everything this node printed, every incarnation, each start marked by a "=== harness: start" line.</summary>
    public OutputLog Output { get; }

    /// <summary>The OS process id of the current incarnation (also after it exited), or null before the first start.</summary>
    public int? ProcessId => _process?.Id;

    /// <summary>True while the current incarnation has not exited (a paused process is running).</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The exit code of the current incarnation once it has exited; null while running or never started.</summary>
    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    /// <summary>How many times this node was started.</summary>
    public int Incarnation => _incarnation;

    /// <summary>Starts a new incarnation. Throws if one is still running.</summary>
    public void Start()
    {
        if (IsRunning) throw new InvalidOperationException($"node {Id} is already running (pid {_process!.Id})");
        _process?.Dispose();
        _registration?.Dispose();

        // In a network namespace: `ip netns exec NS dotnet raftnode.dll …` (ip execs the command, so the pid and
        // every signal are raftnode's own).
        var info = new ProcessStartInfo(_namespace is null ? Binaries.DotnetHost : "ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = _workingDirectory,
        };
        if (_namespace is not null)
        {
            foreach (var a in new[] { "netns", "exec", _namespace, Binaries.DotnetHost }) info.ArgumentList.Add(a);
        }
        info.ArgumentList.Add(Binaries.RaftnodeDll);
        foreach (var a in _arguments()) info.ArgumentList.Add(a);
        ChildEnvironment.Apply(info);
        foreach (var (name, value) in _environment) info.Environment[name] = value;

        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) Output.Append(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Output.Append("[stderr] " + e.Data); };
        _incarnation++;
        Output.Append($"=== harness: start #{_incarnation}: {(_namespace is null ? "" : $"(netns {_namespace}) ")}raftnode {string.Join(' ', info.ArgumentList.SkipWhile(a => a != Binaries.RaftnodeDll).Skip(1))}");
        process.Start();
        _registration = ProcessRegistry.Register(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        _exitReported = false;
        Output.Append($"=== harness: pid {process.Id}");
    }

    /// <summary>SIGKILL (kill -9): no flush, no handoff. Returns at once; see <see cref="WaitForExitAsync"/>.</summary>
    public void Kill()
    {
        if (_process is not { HasExited: false } p) return;
        Output.Append("=== harness: SIGKILL");
        Signals.Send(p.Id, Signals.SigKill);
    }

    /// <summary>SIGINT, as Ctrl+C in a terminal.</summary>
    public void Interrupt() => Send(Signals.SigInt, "SIGINT");

    /// <summary>SIGTERM.</summary>
    public void Terminate() => Send(Signals.SigTerm, "SIGTERM");

    /// <summary>SIGSTOP: the process freezes, its sockets stay open.</summary>
    public void Pause() => Send(Signals.SigStop, "SIGSTOP");

    /// <summary>SIGCONT after <see cref="Pause"/>.</summary>
    public void Resume() => Send(Signals.SigCont, "SIGCONT");

    private void Send(int signal, string name)
    {
        if (_process is not { HasExited: false } p) throw new InvalidOperationException($"node {Id} is not running; cannot send {name}");
        Output.Append($"=== harness: {name}");
        Signals.Send(p.Id, signal);
    }

    /// <summary>Waits until the current incarnation exits and returns its exit code; <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var p = _process ?? throw new InvalidOperationException($"node {Id} was never started");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            // WaitForExitAsync also waits for the output pipes to close, so every line is in Output afterwards.
            await p.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"node {Id} (pid {p.Id}) did not exit within {timeout.TotalSeconds:0.#}s\n{Output.TailWithTimes()}");
        }
        if (!_exitReported && ReferenceEquals(p, _process))
        {
            _exitReported = true;
            Output.Append($"=== harness: exited with code {p.ExitCode}");
        }
        return p.ExitCode;
    }

    /// <summary>SIGKILL and wait for the exit (a no-op when not running).</summary>
    public async Task KillAsync(CancellationToken cancellationToken)
    {
        if (!IsRunning) return;
        Kill();
        await WaitForExitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Kills the current incarnation, if any.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_process is { } p)
        {
            try
            {
                if (!p.HasExited)
                {
                    // SIGKILL works on a stopped (paused) process too.
                    Signals.Send(p.Id, Signals.SigKill);
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                    await p.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
            {
                // Gone already, or stuck beyond reason: nothing more can be done here.
            }
            p.Dispose();
        }
        _registration?.Dispose();
        _process = null;
    }
}
