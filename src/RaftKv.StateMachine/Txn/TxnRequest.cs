namespace RaftKv.StateMachine;

/// <summary>A parsed transaction: if every comparison holds, the success operations run, else the failure ones.</summary>
internal sealed record TxnRequest(TxnCompare[] Compare, TxnOperation[] Success, TxnOperation[] Failure);
