using System.Diagnostics;
using System.Text.Json;

namespace RaftKv.Linearizability;

/// <summary>
/// Records what concurrent test clients did, for <see cref="LinearizabilityChecker"/>: call <see cref="Invoke"/>
/// just before sending a request and <see cref="Complete"/> as soon as its answer (or the lack of one) is known.
/// Thread-safe.
/// </summary>
public sealed class History
{
    private readonly Lock gate = new();
    private readonly List<Operation> operations = [];
    private readonly List<bool> completed = [];
    private readonly Func<long>? clock;
    private long lastTimestamp = long.MinValue;

    /// <summary>A history stamped with <see cref="Stopwatch"/> ticks.</summary>
    public History()
    {
    }

    /// <summary>A history stamped by <paramref name="clock"/>, for example a simulator's virtual time; it must never go back.</summary>
    public History(Func<long> clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        this.clock = clock;
    }

    /// <summary>Everything recorded so far; an operation not yet completed appears with outcome Unknown.</summary>
    public IReadOnlyList<Operation> Operations
    {
        get
        {
            lock (gate)
            {
                return [.. operations];
            }
        }
    }

    /// <summary>
    /// A timestamp. With the default clock, strictly increasing across all threads, so an operation that ended
    /// before another began (in real time) gets an earlier end than the other's start, never an equal one.
    /// </summary>
    public long Now()
    {
        if (clock is not null)
        {
            return clock();
        }

        while (true)
        {
            long last = Volatile.Read(ref lastTimestamp);
            long now = Math.Max(Stopwatch.GetTimestamp(), last + 1);
            if (Interlocked.CompareExchange(ref lastTimestamp, now, last) == last)
            {
                return now;
            }
        }
    }

    /// <summary>Records the start of an operation.</summary>
    /// <param name="client">The client; one operation at a time per client.</param>
    /// <param name="kind">Set, Get or Delete.</param>
    /// <param name="key">The key.</param>
    /// <param name="value">For a Set, the canonical JSON written; otherwise null (a Get's result goes to <see cref="Complete"/>).</param>
    /// <returns>The handle to pass to <see cref="Complete"/>.</returns>
    public int Invoke(int client, OpKind kind, string key, string? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown operation kind.");
        }

        if (kind == OpKind.Set && value is null)
        {
            throw new ArgumentException("A Set must carry the value written (JSON text; the JSON null is the text \"null\").", nameof(value));
        }

        if (kind != OpKind.Set && value is not null)
        {
            throw new ArgumentException($"A {kind} carries no value when invoked; a Get's result is given to Complete.", nameof(value));
        }

        lock (gate)
        {
            // Stamped inside the lock so that handles are in start order.
            operations.Add(new Operation(client, kind, key, value, Now(), long.MaxValue, OpOutcome.Unknown));
            completed.Add(false);
            return operations.Count - 1;
        }
    }

    /// <summary>Records the end of an operation.</summary>
    /// <param name="handle">What <see cref="Invoke"/> returned.</param>
    /// <param name="outcome">Ok, Failed (definitely no effect) or Unknown (timed out, connection lost).</param>
    /// <param name="readValue">For a Get that is Ok, the canonical JSON read, or null when the key was not found.</param>
    public void Complete(int handle, OpOutcome outcome, string? readValue = null)
    {
        if (!Enum.IsDefined(outcome))
        {
            throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "Unknown outcome.");
        }

        long end = Now();
        lock (gate)
        {
            if (handle < 0 || handle >= operations.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(handle), handle, $"No operation has this handle ({operations.Count} were invoked).");
            }

            if (completed[handle])
            {
                throw new InvalidOperationException($"Operation {handle} was already completed: {operations[handle]}.");
            }

            var op = operations[handle];
            if (readValue is not null && (op.Kind != OpKind.Get || outcome != OpOutcome.Ok))
            {
                throw new ArgumentException($"Only a Get that is Ok has a read value; this is a {op.Kind} that is {outcome}.", nameof(readValue));
            }

            operations[handle] = op with { End = end, Outcome = outcome, Value = op.Kind == OpKind.Get ? readValue : op.Value };
            completed[handle] = true;
        }
    }

    /// <summary>Writes the history to <paramref name="path"/>, one JSON object per line.</summary>
    public void SaveJsonLines(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var writer = new StreamWriter(path, append: false);
        foreach (var op in Operations)
        {
            writer.WriteLine(JsonSerializer.Serialize(op, OperationJsonContext.Default.Operation));
        }
    }

    /// <summary>Reads a history written by <see cref="SaveJsonLines"/>; blank lines are skipped.</summary>
    /// <exception cref="InvalidDataException">A line is not a well-formed operation; the message gives its number.</exception>
    public static IReadOnlyList<Operation> LoadJsonLines(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var result = new List<Operation>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            Operation? op;
            try
            {
                op = JsonSerializer.Deserialize(line, OperationJsonContext.Default.Operation);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: not an operation: {e.Message}", e);
            }

            if (OperationValidator.Problem(op) is { } problem)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: malformed operation: {problem}.");
            }

            result.Add(op!);
        }

        return result;
    }
}
