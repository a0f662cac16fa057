using System.Text.Json;

namespace RaftKv.Host.Http;

/// <summary>One key and its JSON value, for the key browser.</summary>
public sealed record KeyValueView(string Key, JsonElement Value);
