namespace RaftKv.Replica.Io;

/// <summary>Someone waiting for a graceful shutdown's leadership handoff: told the successor, or <c>NodeIds.None</c>.</summary>
public interface IShutdownHandoff
{
    void Complete(int successor);
}
