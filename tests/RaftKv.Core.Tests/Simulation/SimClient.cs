namespace RaftKv.Core.Tests.Simulation;

/// <summary>
/// A simulated client: registers a session through the log, then runs one operation at a time, sent to whichever node
/// it believes leads, retried with the same session and seq.
/// </summary>
public sealed class SimClient(int id)
{
    public int Id { get; } = id;

    /// <summary>The session its writes carry; null until registered, and again once it expired or was used once (churn).</summary>
    public long? Session { get; set; }

    /// <summary>The current session serves one write only (a one-shot client, as every raftctl run is).</summary>
    public bool OneShot { get; set; }
    public int NextSeq { get; set; } = 1;
    public int LeaderGuess { get; set; }
    public SimOperation? Op { get; set; }

    /// <summary>Identifies the one wake-up that is current; older scheduled wake-ups are ignored.</summary>
    public long Token { get; set; }

    /// <summary>Operations invoked after the faults healed that completed (liveness).</summary>
    public int CompletedAfterHeal { get; set; }
}
