using System.Text.Json;
using System.Text.Json.Serialization;

namespace RaftKv.Transport;

/// <summary>
/// Enums on the peer wire are lower-camel-case strings ("appendResponse"), like the rest of the names, and never
/// numbers: a number would silently become an undefined enum value.
/// </summary>
internal sealed class CamelCaseEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.CamelCase, allowIntegerValues: false)
    where TEnum : struct, Enum;
