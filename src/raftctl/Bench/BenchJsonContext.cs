using System.Text.Json.Serialization;

namespace RaftKv.Ctl.Bench;

/// <summary>Source-generated JSON for the few values bench serializes (no reflection at run time).</summary>
[JsonSerializable(typeof(string))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
