using System.Diagnostics;

namespace RaftKv.Storage.Tests.Support;

/// <summary>
/// A small tmpfs mounted on a fresh temp directory, to make a disk fill up for real. Needs Linux and the
/// right to mount (root, or a container with CAP_SYS_ADMIN); <see cref="TryMount"/> says why when it cannot.
/// </summary>
public sealed class TmpfsMount : IDisposable
{
    private readonly TempDirectory _mountPoint;

    private TmpfsMount(TempDirectory mountPoint) => _mountPoint = mountPoint;

    public string Path => _mountPoint.Path;

    /// <summary>Mounts a tmpfs of <paramref name="size"/> (mount syntax, e.g. "1m"); null and a reason when this machine does not allow it.</summary>
    public static TmpfsMount? TryMount(string size, out string reason)
    {
        if (!OperatingSystem.IsLinux())
        {
            reason = "tmpfs needs Linux";
            return null;
        }
        var mountPoint = new TempDirectory();
        var (exitCode, output) = Run("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", mountPoint.Path);
        if (exitCode != 0)
        {
            mountPoint.Dispose();
            reason = $"mount -t tmpfs was not permitted here (exit code {exitCode}): {output.Trim()}";
            return null;
        }
        reason = "";
        return new TmpfsMount(mountPoint);
    }

    public void Dispose()
    {
        var (exitCode, output) = Run("umount", _mountPoint.Path);
        if (exitCode != 0)
        {
            throw new IOException($"umount {_mountPoint.Path} failed (exit code {exitCode}): {output}");
        }
        _mountPoint.Dispose();
    }

    private static (int ExitCode, string Output) Run(string program, params string[] arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(program, arguments)
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            })!;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                process.Kill();
                return (-1, $"{program} did not finish within 30 s");
            }
            return (process.ExitCode, stdout + stderr.Result);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, $"{program} could not be started: {e.Message}");
        }
    }
}
