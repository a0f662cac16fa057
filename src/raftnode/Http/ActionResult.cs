namespace RaftKv.Host.Http;

/// <summary>The answer to a dashboard action or write: whether it was done, and a sentence saying what happened.</summary>
public sealed record ActionResult(bool Ok, string Message);
