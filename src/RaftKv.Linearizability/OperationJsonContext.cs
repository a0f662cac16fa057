using System.Text.Json.Serialization;

namespace RaftKv.Linearizability;

/// <summary>
/// The JSON-lines form of an operation. The value stays a string holding JSON text, so that it round-trips
/// byte for byte and "not found" (null) stays distinct from the JSON null ("null"). Optional parts (guard,
/// revisions, transaction) are left out when absent, so a plain operation's line is as it always was.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(Operation))]
internal sealed partial class OperationJsonContext : JsonSerializerContext;
