using System.Globalization;

namespace RaftKv.Host;

/// <summary>
/// Fault injection for process tests, read from the environment so that it never appears among the options a user
/// sees. RAFTKV_TEST_FSYNC_DELAY_MS=200 makes every storage write take 200 ms longer (a slow disk).
/// RAFTKV_TEST_MAX_PEER_FRAME_BYTES=262144 lowers the peer frame limit (and makes snapshot chunks half of it), so a
/// test can show a snapshot larger than one frame reaching a follower without writing hundreds of megabytes.
/// </summary>
internal static class TestHooks
{
    public const string FsyncDelayVariable = "RAFTKV_TEST_FSYNC_DELAY_MS";

    public static TimeSpan InjectedSyncDelay()
    {
        var text = Environment.GetEnvironmentVariable(FsyncDelayVariable);
        if (string.IsNullOrEmpty(text)) return TimeSpan.Zero;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) || ms > 60_000)
            throw new ArgumentException($"{FsyncDelayVariable} must be a number of milliseconds from 0 to 60000, was '{text}'");
        return TimeSpan.FromMilliseconds(ms);
    }

    public const string MaxPeerFrameVariable = "RAFTKV_TEST_MAX_PEER_FRAME_BYTES";

    public static int? MaxPeerFrameBytes()
    {
        var text = Environment.GetEnvironmentVariable(MaxPeerFrameVariable);
        if (string.IsNullOrEmpty(text)) return null;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) || bytes < 1024)
            throw new ArgumentException($"{MaxPeerFrameVariable} must be a number of bytes of at least 1024, was '{text}'");
        return bytes;
    }
}
