using System.Text.Json.Serialization;

namespace RaftKv.StateMachine;

/// <summary>What a <see cref="KvCommand"/> does. On the wire: "set", "delete" and "register".</summary>
public enum KvOp
{
    /// <summary>Store <see cref="KvCommand.Value"/> under <see cref="KvCommand.Key"/>, replacing any old value.</summary>
    [JsonStringEnumMemberName("set")]
    Set,

    /// <summary>Remove <see cref="KvCommand.Key"/>; removing a missing key is not an error (the result says it was not found).</summary>
    [JsonStringEnumMemberName("delete")]
    Delete,

    /// <summary>
    /// Open a client session (Raft thesis §6.3). It takes no key, value, session or seq: the log index
    /// the entry is applied at becomes the new session's id (see <see cref="SessionRules"/>).
    /// </summary>
    [JsonStringEnumMemberName("register")]
    Register,
}
