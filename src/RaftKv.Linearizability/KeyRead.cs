namespace RaftKv.Linearizability;

/// <summary>What an answer showed of one key.</summary>
/// <param name="Value">Canonical JSON text of the value, or null when the key did not exist.</param>
/// <param name="Version">The key's version as shown (0 when absent); null when not recorded, and then not checked.</param>
/// <param name="ModRevision">The key's mod revision as shown (0 when absent); null when not recorded, and then not checked.</param>
public sealed record KeyRead(string? Value, long? Version = null, long? ModRevision = null);
