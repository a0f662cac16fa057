using System.IO.Hashing;
using RaftKv.Core;
using RaftKv.Node.Events;
using RaftKv.Protocol;
using RaftKv.Storage;
using RaftKv.Storage.Backups;

namespace RaftKv.Node;

/// <summary>
/// Serves <see cref="ClientOp.Snapshot"/> (raftctl snapshot save; docs/PROTOCOL.md "snapshot"): once a ReadIndex round
/// confirmed this node still leads (<see cref="Replica.Replica.RequestBackup"/>), the loop freezes the
/// leader's state (references only), and here, off the loop, it is streamed (64 KiB at a time) to a snapshot file under
/// <c>&lt;data&gt;/backups/</c>, whose CRC-64 and length go out first and whose bytes follow in chunks of 1 MiB, each
/// sent before the next is read, so a slow client slows only its own stream. The file is deleted afterwards.
/// </summary>
internal sealed class BackupStream(RaftNode node)
{
    public const string Folder = "backups";
    private const int ChunkBytes = 1 << 20;

    public async Task RunAsync(ClientRequest request, Func<ClientResponse, CancellationToken, ValueTask> emit, CancellationToken cancellationToken)
    {
        var capture = new BackupCapture();
        if (!node.TryPostBackup(capture))
        {
            await emit(node.Respond(request, ClientStatus.Unavailable, "the node is shutting down"), cancellationToken);
            return;
        }
        (SnapshotMetadata Metadata, StateMachine.KvSnapshotView View)? frozen;
        try
        {
            frozen = await capture.Done.WaitAsync(node.Options.RequestTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            await emit(node.Respond(request, ClientStatus.Unavailable, "the leader could not confirm its leadership (ReadIndex) for the backup in time"), cancellationToken);
            return;
        }
        if (frozen is not { } state)
        {
            await emit(node.Respond(request, ClientStatus.NotLeader, "snapshot save is served by the leader"), cancellationToken);
            return;
        }

        var directory = Path.Combine(node.Options.DataDirectory, Folder);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"{Guid.NewGuid():N}.snap");
        try
        {
            var length = await BackgroundThread.Run("backup writer", () => BackupFile.Write(path, state.Metadata, state.View.WriteTo)).WaitAsync(cancellationToken);
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
            var buffer = new byte[ChunkBytes];
            var checksum = new Crc64();
            int read;
            while ((read = await file.ReadAsync(buffer, cancellationToken)) > 0) checksum.Append(buffer.AsSpan(0, read));
            await emit(new ClientResponse
            {
                Id = request.Id,
                Status = ClientStatus.Ok,
                LeaderId = node.Id,
                Index = state.Metadata.Index,
                SnapshotTerm = state.Metadata.Term,
                Length = length,
                Checksum = checksum.GetCurrentHashAsUInt64(),
            }, cancellationToken);
            file.Position = 0;
            while ((read = await file.ReadAsync(buffer, cancellationToken)) > 0)
                await emit(new ClientResponse { Id = request.Id, Status = ClientStatus.Ok, Chunk = buffer[..read] }, cancellationToken);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Backup files a crash left behind (at start).</summary>
    public static void DeleteLeftovers(string dataDirectory)
    {
        var directory = Path.Combine(dataDirectory, Folder);
        if (!Directory.Exists(directory)) return;
        foreach (var path in Directory.EnumerateFiles(directory)) File.Delete(path);
    }
}
