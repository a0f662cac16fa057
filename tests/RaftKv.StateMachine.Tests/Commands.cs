using System.Text;
using System.Text.Json;

namespace RaftKv.StateMachine.Tests;

/// <summary>Builds encoded commands for the tests.</summary>
internal static class Commands
{
    public static byte[] Set(string key, string json, long session = 0, long seq = 0)
        => KvCommandCodec.Encode(new KvCommand { Op = KvOp.Set, Key = key, Value = JsonElement.Parse(json), Session = session, Seq = seq });

    public static byte[] Delete(string key, long session = 0, long seq = 0)
        => KvCommandCodec.Encode(new KvCommand { Op = KvOp.Delete, Key = key, Session = session, Seq = seq });

    public static byte[] Register() => KvCommandCodec.EncodeRegister();

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static string Text(this JsonElement element) => element.GetRawText();

    public static string? Text(this KvResult result) => result.Value?.GetRawText();

    public static string Get(this KvStateMachine machine, string key)
        => machine.TryGet(key, out var value) ? value.GetRawText() : throw new KeyNotFoundException(key);

    public static string? Get(this KvStateMachine machine, string key, bool orNull)
        => machine.TryGet(key, out var value) ? value.GetRawText() : orNull ? null : throw new KeyNotFoundException(key);
}

/// <summary>Builds the data API's commands for the tests.</summary>
internal static class DataCommands
{
    public static byte[] SetWithLease(string key, string json, long lease)
        => KvCommandCodec.Encode(new KvCommand { Op = KvOp.Set, Key = key, Value = JsonElement.Parse(json), Lease = lease });

    public static byte[] DeletePrefix(string prefix)
        => KvCommandCodec.Encode(new KvCommand { Op = KvOp.Delete, Key = prefix, Prefix = true });

    public static byte[] Txn(string document, long session = 0, long seq = 0)
        => KvCommandCodec.Encode(new KvCommand { Op = KvOp.Txn, Txn = JsonElement.Parse(document), Session = session, Seq = seq });

    public static byte[] Guarded(string key, string? json, params Guard[] guards)
        => KvCommandCodec.Encode(new KvCommand
        {
            Op = KvOp.Txn,
            Txn = TxnDocuments.Guarded(key, json is null ? null : JsonElement.Parse(json), 0, false, guards),
        });

    public static byte[] Grant(long ttl) => KvCommandCodec.Encode(new KvCommand { Op = KvOp.LeaseGrant, Ttl = ttl });

    public static byte[] Revoke(long lease) => KvCommandCodec.Encode(new KvCommand { Op = KvOp.LeaseRevoke, Lease = lease });
}
