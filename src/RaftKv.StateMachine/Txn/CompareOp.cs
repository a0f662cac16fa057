namespace RaftKv.StateMachine;

/// <summary>How a transaction comparison compares. On the wire: "=", "!=", "&lt;", "&gt;".</summary>
public enum CompareOp
{
    Equal,
    NotEqual,
    Less,
    Greater,
}
