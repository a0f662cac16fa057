namespace RaftKv.Core.Tests.Simulation.Invariants;

/// <summary>Write ids pack (client, sequence number) into one long, so each written value is unique.</summary>
public static class Ids
{
    public static long Of(int client, int seq) => ((long)(client + 1) << 32) | (uint)seq;

    public static string Format(long id) => id == 0 ? "none" : $"{(id >> 32) - 1}:{id & 0xffffffff}";
}
