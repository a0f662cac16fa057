namespace RaftKv.Linearizability;

/// <summary>How a transaction comparison compares: =, !=, &lt; or &gt;.</summary>
public enum CompareOp
{
    Equal,
    NotEqual,
    Less,
    Greater,
}
