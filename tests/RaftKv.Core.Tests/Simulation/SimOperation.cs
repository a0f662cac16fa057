namespace RaftKv.Core.Tests.Simulation;

/// <summary>One client operation in progress: a session registration, a write of a unique value (retried with the same session and seq), or a linearizable read.</summary>
public sealed class SimOperation
{
    public required bool IsWrite { get; init; }

    /// <summary>A session registration (not part of the checked history).</summary>
    public bool IsRegister { get; init; }
    public required string Key { get; init; }

    /// <summary>The write's unique value (<see cref="Invariants.Ids"/>); 0 for reads.</summary>
    public long WriteId { get; init; }

    /// <summary>The request as sent; every retry sends it again unchanged (same client id and seq).</summary>
    public required Protocol.ClientRequest Request { get; init; }

    /// <summary>Simulation step at which the client first issued it (its invocation in the history).</summary>
    public required long InvokeStep { get; init; }

    /// <summary>Virtual time after which the client gives up (a write's outcome is then unknown).</summary>
    public required long Deadline { get; init; }
    public bool AfterHeal { get; init; }

    /// <summary>The attempt under way, if any: its answer is the only one the client still listens to.</summary>
    public SimCall? Attempt { get; set; }
    public int Attempts { get; set; }
}
