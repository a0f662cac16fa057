namespace RaftKv.Host.Http;

/// <summary>The body of <c>/health</c>, <c>/readyz</c> and <c>/livez</c>: <c>{"health":true}</c>, or false with the reason.</summary>
public sealed record HealthReport(bool Health, string? Reason = null);
