using System.CommandLine;
using System.Globalization;

namespace RaftKv.Ctl.Commands;

/// <summary>
/// <c>snapshot save FILE</c>: a backup, like etcdctl snapshot save. The leader freezes its state as applied and streams
/// it as a snapshot file; raftctl checks length and CRC-64, then moves it into place (a failed save leaves no FILE).
/// raftnode ID --restore FILE seeds a new cluster's node from it (README: disaster recovery).
/// </summary>
internal static class SnapshotCommand
{
    public static Command Create(Cli cli)
    {
        var command = new Command("snapshot", "Backups: save the leader's state to a file that raftnode --restore starts a new cluster from");
        command.Subcommands.Add(Save(cli));
        return command;
    }

    private static Command Save(Cli cli)
    {
        var file = new Argument<string>("FILE") { Description = "Where to write the snapshot (replaced if it exists)" };
        var command = new Command("save", "Stream a consistent snapshot from the leader to FILE and print its index, term, size and CRC-64");
        command.Arguments.Add(file);
        cli.SetAction(command, async (context, cancellationToken) =>
        {
            var path = Path.GetFullPath(context.Get(file) ?? throw new UsageException("snapshot save needs a FILE"));
            if (Directory.Exists(path)) throw new UsageException($"{path} is a directory; give a file name");
            var directory = Path.GetDirectoryName(path)!;
            if (!Directory.Exists(directory)) throw new UsageException($"directory {directory} does not exist");
            var partial = path + ".partial";
            RaftKv.Client.SnapshotSaveResult saved;
            try
            {
                await using (var output = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
                {
                    saved = await context.Client.SaveSnapshotAsync(output, cancellationToken).ConfigureAwait(false);
                    output.Flush(flushToDisk: true);
                }
                File.Move(partial, path, overwrite: true);
            }
            finally
            {
                if (File.Exists(partial)) File.Delete(partial);
            }
            if (context.Json)
            {
                context.WriteJson(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("file", path);
                    w.WriteNumber("leader", saved.LeaderId);
                    w.WriteNumber("index", saved.Index);
                    w.WriteNumber("term", saved.Term);
                    w.WriteNumber("bytes", saved.Length);
                    w.WriteString("crc64", saved.Checksum.ToString("x16", CultureInfo.InvariantCulture));
                    w.WriteEndObject();
                });
            }
            else
            {
                context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"saved snapshot at index {saved.Index} term {saved.Term} from leader {saved.LeaderId}: {saved.Length:N0} bytes, crc64 {saved.Checksum:x16}, to {path}"));
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
