namespace RaftKv.Testing.Faults;

/// <summary>What one chunk waits in a <see cref="LinkEmulation"/>.</summary>
/// <param name="Delay">The whole wait, a retransmission stall included.</param>
/// <param name="HeldBack">True when the chunk was "lost": it waits a retransmission stall on top of its delay.</param>
public readonly record struct ChunkDelay(TimeSpan Delay, bool HeldBack);
