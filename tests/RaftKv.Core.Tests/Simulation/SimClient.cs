namespace RaftKv.Core.Tests.Simulation;

/// <summary>A simulated client: one operation at a time, sent to whichever node it believes leads, retried with the same client id and seq.</summary>
public sealed class SimClient(int id)
{
    public int Id { get; } = id;

    /// <summary>The client id of its session; a one-shot client (session churn) takes a new one per operation.</summary>
    public string ClientId { get; set; } = $"c{id}";
    public int NextSeq { get; set; } = 1;
    public int LeaderGuess { get; set; }
    public SimOperation? Op { get; set; }

    /// <summary>Identifies the one wake-up that is current; older scheduled wake-ups are ignored.</summary>
    public long Token { get; set; }

    /// <summary>Operations invoked after the faults healed that completed (liveness).</summary>
    public int CompletedAfterHeal { get; set; }
}
