using System.Text.Json.Serialization;

namespace RaftKv.StateMachine;

/// <summary>What a <see cref="KvCommand"/> does. On the wire: "set" and "delete".</summary>
public enum KvOp
{
    /// <summary>Store <see cref="KvCommand.Value"/> under <see cref="KvCommand.Key"/>, replacing any old value.</summary>
    [JsonStringEnumMemberName("set")]
    Set,

    /// <summary>Remove <see cref="KvCommand.Key"/>; removing a missing key is not an error (the result says it was not found).</summary>
    [JsonStringEnumMemberName("delete")]
    Delete,
}
