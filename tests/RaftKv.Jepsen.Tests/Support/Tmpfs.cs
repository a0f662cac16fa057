using System.Diagnostics;

namespace RaftKv.Jepsen.Tests.Support;

/// <summary>Mounts a small tmpfs (root only) so a node can run out of disk for real.</summary>
public static class Tmpfs
{
    /// <summary>Mounts a tmpfs of <paramref name="size"/> (such as "4m") on <paramref name="directory"/>; null on success, else why not.</summary>
    public static async Task<string?> TryMountAsync(string directory, string size, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        try
        {
            var (code, text) = await RunAsync("mount", ["-t", "tmpfs", "-o", $"size={size}", "tmpfs", directory], cancellationToken);
            return code == 0 ? null : $"'mount -t tmpfs' failed with exit code {code}: {text.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"cannot run mount: {e.Message}";
        }
    }

    /// <summary>
    /// Mounts a tmpfs of <paramref name="size"/> on each of <paramref name="directories"/>. Null when all are mounted;
    /// else why not, with the ones already mounted unmounted again.
    /// </summary>
    public static async Task<string?> TryMountAllAsync(IEnumerable<string> directories, string size, CancellationToken cancellationToken)
    {
        var mounted = new List<string>();
        foreach (var directory in directories)
        {
            var problem = await TryMountAsync(directory, size, cancellationToken);
            if (problem is null)
            {
                mounted.Add(directory);
                continue;
            }
            foreach (var done in mounted) await UnmountAsync(done);
            return problem;
        }
        return null;
    }

    /// <summary>Unmounts <paramref name="directory"/>, lazily if it is still busy; never throws.</summary>
    public static async Task UnmountAsync(string directory)
    {
        try
        {
            var (code, _) = await RunAsync("umount", [directory], CancellationToken.None);
            if (code != 0) await RunAsync("umount", ["-l", directory], CancellationToken.None);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Nothing was mounted if umount cannot even run.
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await stdout + await stderr);
    }
}
