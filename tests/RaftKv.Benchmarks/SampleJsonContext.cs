using System.Text.Json.Serialization;

namespace RaftKv.Benchmarks;

/// <summary>Source-generated JSON for the sample values.</summary>
[JsonSerializable(typeof(string))]
internal sealed partial class SampleJsonContext : JsonSerializerContext;
