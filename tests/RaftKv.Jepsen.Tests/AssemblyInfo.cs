// Every test here runs real processes on a 2-core machine: one at a time, or they starve each other's elections.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
