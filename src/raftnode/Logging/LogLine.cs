namespace RaftKv.Host.Logging;

/// <summary>One node log line as the dashboard shows it.</summary>
public sealed record LogLine(DateTimeOffset Time, string Level, string Message);
