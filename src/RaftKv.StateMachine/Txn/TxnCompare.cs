namespace RaftKv.StateMachine;

/// <summary>
/// One comparison of a transaction. Numbers (version, revisions, lease) of a missing key are 0, so
/// <c>version = 0</c> means "absent". A value comparison only allows = and != and compares JSON values
/// (<c>JsonElement.DeepEquals</c>); a missing key has no value, so = is false and != is true.
/// </summary>
internal sealed record TxnCompare(string Key, CompareTarget Target, CompareOp Op, long Number, byte[]? Value);
