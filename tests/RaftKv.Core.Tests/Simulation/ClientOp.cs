namespace RaftKv.Core.Tests.Simulation;

/// <summary>One client operation in progress: a write of a unique value, or a linearizable read.</summary>
public sealed class ClientOp
{
    public required bool IsWrite { get; init; }
    public required string Key { get; init; }

    /// <summary>The write's command (its id is the value written); default for reads.</summary>
    public Command Command { get; init; }
    public byte[] Data { get; init; } = [];

    /// <summary>Simulation step at which the client first issued it (its invocation in the history).</summary>
    public required long InvokeStep { get; init; }
    public required long Deadline { get; init; }

    /// <summary>The node that accepted it (-1 while it is still looking for a leader), and where.</summary>
    public int Node { get; set; } = -1;
    public long Index { get; set; }
    public long Term { get; set; }
    public long Context { get; set; }
    public bool AfterHeal { get; init; }
}
