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

    /// <summary>Records the start of an operation on one key.</summary>
    /// <param name="client">The client; one operation at a time per client.</param>
    /// <param name="kind">Set, Get or Delete (a transaction goes to <see cref="InvokeTxn"/>).</param>
    /// <param name="key">The key.</param>
    /// <param name="value">For a Set, the canonical JSON written; otherwise null (a Get's result goes to <see cref="Complete"/>).</param>
    /// <param name="guard">For a compare-and-set (a guarded Set or Delete), its condition.</param>
    /// <returns>The handle to pass to <see cref="Complete"/> or another Complete method.</returns>
    public int Invoke(int client, OpKind kind, string key, string? value, Guard? guard = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!Enum.IsDefined(kind) || kind == OpKind.Txn)
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Set, Get or Delete (a transaction goes to InvokeTxn).");
        }

        if (kind == OpKind.Set && value is null)
        {
            throw new ArgumentException("A Set must carry the value written (JSON text; the JSON null is the text \"null\").", nameof(value));
        }

        if (kind != OpKind.Set && value is not null)
        {
            throw new ArgumentException($"A {kind} carries no value when invoked; a Get's result is given to Complete.", nameof(value));
        }

        return Add(new Operation(client, kind, key, value, 0, long.MaxValue, OpOutcome.Unknown) { Guard = guard });
    }

    /// <summary>Records the start of a transaction.</summary>
    /// <returns>The handle to pass to <see cref="CompleteTxn"/> or <see cref="Complete"/> (Failed, Unknown).</returns>
    public int InvokeTxn(int client, TxnRequest txn)
    {
        ArgumentNullException.ThrowIfNull(txn);
        return Add(new Operation(client, OpKind.Txn, string.Empty, null, 0, long.MaxValue, OpOutcome.Unknown) { Txn = txn });
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

        Finish(handle, op =>
        {
            if (readValue is not null && (op.Kind != OpKind.Get || outcome != OpOutcome.Ok))
            {
                throw new ArgumentException($"Only a Get that is Ok has a read value; this is a {op.Kind} that is {outcome}.", nameof(readValue));
            }

            return op with { Outcome = outcome, Value = op.Kind == OpKind.Get ? readValue : op.Value };
        });
    }

    /// <summary>Records an Ok Get with the key's version and mod revision as read (checked against guards and writes).</summary>
    public void CompleteRead(int handle, KeyRead read)
    {
        ArgumentNullException.ThrowIfNull(read);
        Finish(handle, op => op.Kind == OpKind.Get
            ? op with { Outcome = OpOutcome.Ok, Value = read.Value, Seen = read }
            : throw new ArgumentException($"Only a Get reads; this is a {op.Kind}.", nameof(handle)));
    }

    /// <summary>Records an acknowledged Set or Delete with the revision it was given, which mod-revision guards and reads refer to.</summary>
    public void CompleteWrite(int handle, long revision) =>
        Finish(handle, op => op.Kind is OpKind.Set or OpKind.Delete
            ? op with { Outcome = OpOutcome.Ok, Revision = revision }
            : throw new ArgumentException($"Only a Set or Delete is a write with a revision here; this is a {op.Kind}.", nameof(handle)));

    /// <summary>Records a guarded Set or Delete answered "condition failed", with the key as the answer showed it (null: not shown).</summary>
    public void CompleteConditionFailed(int handle, KeyRead? seen) =>
        Finish(handle, op => op with { Outcome = OpOutcome.ConditionFailed, Seen = seen });

    /// <summary>Records an Ok transaction: which branch ran, what its gets read (in order), and its revision when known.</summary>
    /// <param name="reads">What the branch's gets read; null when the answer did not say (replayed from the session).</param>
    public void CompleteTxn(int handle, bool succeeded, IReadOnlyList<KeyRead>? reads, long? revision = null) =>
        Finish(handle, op => op.Kind == OpKind.Txn
            ? op with { Outcome = OpOutcome.Ok, Succeeded = succeeded, Reads = reads is null ? null : [.. reads], Revision = revision }
            : throw new ArgumentException($"Only a Txn completes as one; this is a {op.Kind}.", nameof(handle)));

    private int Add(Operation op)
    {
        lock (gate)
        {
            // Stamped inside the lock so that handles are in start order.
            operations.Add(op with { Start = Now() });
            completed.Add(false);
            return operations.Count - 1;
        }
    }

    private void Finish(int handle, Func<Operation, Operation> complete)
    {
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

            var done = complete(operations[handle]) with { End = end };
            if (OperationValidator.Problem(done) is { } problem)
            {
                throw new ArgumentException($"This completion makes a malformed operation: {problem}. ({done})", nameof(handle));
            }

            operations[handle] = done;
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
