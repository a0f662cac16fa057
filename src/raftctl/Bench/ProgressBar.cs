using System.Globalization;

namespace RaftKv.Ctl.Bench;

/// <summary>
/// A one-line progress bar redrawn in place (carriage return) a few times a second, for a terminal;
/// <see cref="Clear"/> wipes it so the results start on a clean line.
/// </summary>
internal sealed class ProgressBar(TextWriter writer, BenchRunner runner, BenchOptions options)
{
    private const int Width = 30;
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);
    private int _lastLength;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false)) Draw();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // the run is over
        }
    }

    private void Draw()
    {
        var completed = runner.Completed;
        var elapsed = runner.Elapsed;
        var fraction = options.EffectiveTotal is long total
            ? (double)completed / total
            : elapsed / options.Duration!.Value;
        fraction = Math.Clamp(fraction, 0, 1);
        var filled = (int)Math.Round(fraction * Width);
        var rate = elapsed.TotalSeconds > 0 ? completed / elapsed.TotalSeconds : 0;
        var line = string.Create(CultureInfo.InvariantCulture,
            $"[{new string('#', filled)}{new string('-', Width - filled)}] {fraction * 100,3:0}%  {completed} ops  {rate:0} ops/s  {runner.Failed} errors");
        writer.Write("\r" + line.PadRight(_lastLength));
        _lastLength = line.Length;
        writer.Flush();
    }

    public void Clear()
    {
        if (_lastLength == 0) return;
        writer.Write("\r" + new string(' ', _lastLength) + "\r");
        writer.Flush();
    }
}
