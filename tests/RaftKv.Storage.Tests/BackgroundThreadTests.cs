using RaftKv.Storage;

namespace RaftKv.Storage.Tests;

public sealed class BackgroundThreadTests
{
    [Fact]
    public async Task Work_runs_on_a_thread_of_its_own_at_a_lower_priority_and_returns_its_result()
    {
        var callerThread = Environment.CurrentManagedThreadId;
        var (thread, lowered, name) = await BackgroundThread.Run("snapshot writer",
            () => (Environment.CurrentManagedThreadId, BackgroundThread.CurrentThreadIsLowered(), Thread.CurrentThread.Name))
            .WaitAsync(TimeSpan.FromSeconds(30));
        thread.Should().NotBe(callerThread);
        name.Should().Be("snapshot writer");
        // Linux only: elsewhere there is no per-thread nice value and the work runs at normal priority.
        lowered.Should().Be(OperatingSystem.IsLinux());
        BackgroundThread.CurrentThreadIsLowered().Should().BeFalse("the caller's own priority is left alone");
    }

    [Fact]
    public async Task An_exception_of_the_work_faults_the_task_with_it()
    {
        var run = () => BackgroundThread.Run<int>("failing", () => throw new IOException("disk said no")).WaitAsync(TimeSpan.FromSeconds(30));
        await run.Should().ThrowAsync<IOException>().WithMessage("disk said no");
    }
}
