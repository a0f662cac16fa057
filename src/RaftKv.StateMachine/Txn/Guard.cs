using System.Text.Json;

namespace RaftKv.StateMachine;

/// <summary>
/// A condition on one key for a guarded set or delete: the key's <see cref="Target"/> must equal
/// <see cref="Number"/> (or, for <see cref="CompareTarget.Value"/>, the JSON <see cref="Value"/>).
/// "Absent" is <c>version = 0</c>.
/// </summary>
public sealed record Guard(CompareTarget Target, long Number = 0, JsonElement? Value = null)
{
    public static Guard Absent { get; } = new(CompareTarget.Version, 0);
}
