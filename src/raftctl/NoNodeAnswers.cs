namespace RaftKv.Ctl;

/// <summary>Why a command gave up early: no node of the servers file answered at all. Printed as an error line and a hint line; exit code 3.</summary>
internal sealed record NoNodeAnswers(string Message, string Hint);
